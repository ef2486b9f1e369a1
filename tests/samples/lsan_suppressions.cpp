// LeakSanitizer asks the program for default suppressions through this hook. Fontconfig
// (under Pango and Poppler) keeps process-wide font caches that it never frees by design; they
// are not leaks of tafel's code, whose own allocations stay checked.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libfontconfig.so\n";
}
