// LeakSanitizer asks the program for default suppressions through this hook.
//  - Fontconfig (under Pango and Poppler) keeps process-wide font caches that it never frees.
//  - GLib's library constructor allocates a 16 KiB block it never frees. Debian builds GLib
//    without frame pointers, so ASan's fast unwinder stops at g_malloc and the report cannot be
//    told apart from any other g_malloc; the suppression therefore covers GLib allocations, and
//    tafel's GLib/GStreamer handles are kept honest by their RAII owners instead.
// tafel's own allocations (new/malloc from our frames) stay checked.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libfontconfig.so\n"
           "leak:libglib-2.0.so\n";
}
