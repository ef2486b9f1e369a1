// Built only into sanitizer builds (TAFEL_SANITIZE), where the e2e tests run this binary.
// LeakSanitizer asks the program for default suppressions through this hook:
//  - Fontconfig (under Pango and Poppler) keeps process-wide font caches it never frees;
//  - GLib's library constructor (under GStreamer) allocates a block it never frees; Debian
//    builds GLib without frame pointers, so the report cannot be told apart from other
//    g_malloc calls, and tafel's GLib/GStreamer handles are kept honest by their RAII owners.
// tafel's own allocations stay checked.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libfontconfig.so\n"
           "leak:libglib-2.0.so\n";
}
