// LeakSanitizer's default suppressions for this test binary: GLib and GStreamer keep their
// type registry, plugin registry and thread pools for the life of the process once gst_init
// ran (webrtcbin's engine), as tests/samples does for its GStreamer senders. Those are not
// leaks of ours; anything allocated by tafel code still fails the run.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() {
    return "leak:libglib-2.0.so\n"
           "leak:libgstreamer-1.0.so\n"
           "leak:libgobject-2.0.so\n";
}
