// LeakSanitizer's default suppressions for this test binary: fontconfig (used by Pango and
// Poppler) keeps its configuration and font caches for the life of the process by design
// and frees them only in FcFini(), which no library calls. Those allocations are not
// leaks of ours; anything allocated by tafel code still fails the run.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libfontconfig.so\n";
}
