// LeakSanitizer's default suppressions for this test binary: GLib and GStreamer keep their
// type registry, plugin registry and thread pools for the life of the process once gst_init
// ran (webrtcbin's engine), as tests/samples does for its GStreamer senders. And OpenSSL
// state reported at exit now and then (about one run in ten of the lossy media test) whose
// stack ends in libcrypto's CRYPTO_zalloc: Debian builds libcrypto without frame pointers, so
// the owner cannot be seen; the DTLS elements of the two webrtcbins are what hold OpenSSL
// objects in these tests. And fontconfig's configuration and font cache, which the
// renderer's Pango text loads once per process (as in tests/transcode) and frees only in
// FcFini(), which no library calls. Those are not leaks of ours; anything allocated by tafel
// code still fails the run.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libglib-2.0.so\n"
           "leak:libgstreamer-1.0.so\n"
           "leak:libgobject-2.0.so\n"
           "leak:libcrypto.so\n"
           "leak:libfontconfig.so\n";
}
