// The recorder against an ICE-lite offerer (mediasoup is one): RFC 8445 section 6.1.1 makes
// the full agent controlling when the peer is lite, and a lite agent never nominates, so
// unless the recorder sends checks with USE-CANDIDATE (section 7.2.2 / 8.1.1) no pair is
// ever selected. The SFU's ICE side here is a real libnice agent in lite mode on 127.0.0.1;
// the recorder's real webrtcbin answers, through a relay that reads its STUN checks. This proves the ICE role only: the
// lite peer has no DTLS, so no media flows (tests/bbb's media and Chromium tests cover that).
#include "bbb/webrtc_engine.hpp"
#include "mediasoup_offer.hpp"
#include "redis_fixture.hpp"

#include <catch2/catch.hpp>
#include <gst/sdp/sdp.h>
#include <nice/agent.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

using namespace tafel;
using namespace tafel::bbb;
using namespace tafel::bbb::test;
using namespace std::chrono_literals;

namespace {

// The SFU's ICE side: libnice in lite mode (RFC 8445 section 2.5), run on its own main loop.
class LiteAgent {
public:
    LiteAgent() : context_(g_main_context_new()), loop_(g_main_loop_new(context_, FALSE)) {
        agent_ = nice_agent_new_full(context_, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_LITE_MODE);
        // libnice leaves a lite agent's role at its default (controlling); a lite agent is
        // always controlled (RFC 8445 section 6.1.1), as mediasoup is. Left controlling, it
        // would select a pair on its own and prove nothing about the recorder.
        g_object_set(agent_, "controlling-mode", FALSE, nullptr);
        NiceAddress local;
        nice_address_init(&local);
        nice_address_set_from_string(&local, "127.0.0.1");
        nice_agent_add_local_address(agent_, &local);
        stream_ = nice_agent_add_stream(agent_, 1);
        g_signal_connect(agent_, "candidate-gathering-done", G_CALLBACK(on_gathered), this);
        g_signal_connect(agent_, "component-state-changed", G_CALLBACK(on_state), this);
        g_signal_connect(agent_, "new-selected-pair-full", G_CALLBACK(on_selected), this);
        // Without a receive callback libnice reads nothing, STUN included.
        nice_agent_attach_recv(agent_, stream_, 1, context_, on_receive, this);
        thread_ = std::thread([this] { g_main_loop_run(loop_); });
    }
    ~LiteAgent() {
        g_main_loop_quit(loop_);
        thread_.join();
        g_object_unref(agent_);
        g_main_loop_unref(loop_);
        g_main_context_unref(context_);
    }
    LiteAgent(const LiteAgent&) = delete;
    LiteAgent& operator=(const LiteAgent&) = delete;

    // Gathers (on the agent's context) and returns the offer's ICE lines.
    std::optional<OfferIce> gather() {
        run([this] { nice_agent_gather_candidates(agent_, stream_); });
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, 10s, [this] { return gathered_; })) return std::nullopt;
        OfferIce ice;
        gchar* ufrag = nullptr;
        gchar* pwd = nullptr;
        nice_agent_get_local_credentials(agent_, stream_, &ufrag, &pwd);
        ice.ufrag = ufrag;
        ice.pwd = pwd;
        g_free(ufrag);
        g_free(pwd);
        ice.candidates.clear();
        GSList* candidates = nice_agent_get_local_candidates(agent_, stream_, 1);
        for (GSList* c = candidates; c; c = c->next) {
            gchar* line = nice_agent_generate_local_candidate_sdp(agent_, static_cast<NiceCandidate*>(c->data));
            // "a=candidate:..." -> "candidate:..."
            ice.candidates += (ice.candidates.empty() ? "" : "\n") + std::string(line + 2);
            g_free(line);
        }
        g_slist_free_full(candidates, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
        return ice;
    }

    // The answer's ufrag, pwd and candidates, as the SFU takes them from the recorder's SDP.
    bool set_remote(const std::string& ufrag, const std::string& pwd, const std::vector<std::string>& candidates) {
        bool ok = false;
        run([&] {
            ok = nice_agent_set_remote_credentials(agent_, stream_, ufrag.c_str(), pwd.c_str());
            GSList* list = nullptr;
            for (const auto& c : candidates)
                if (NiceCandidate* parsed = nice_agent_parse_remote_candidate_sdp(agent_, stream_, ("a=" + c).c_str()))
                    list = g_slist_append(list, parsed);
            ok = ok && list && nice_agent_set_remote_candidates(agent_, stream_, 1, list) > 0;
            g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
        });
        return ok;
    }

    // The lite agent's host candidate (the one the proxy forwards to).
    sockaddr_in address() {
        sockaddr_in out{};
        GSList* candidates = nice_agent_get_local_candidates(agent_, stream_, 1);
        for (GSList* c = candidates; c; c = c->next) {
            auto* candidate = static_cast<NiceCandidate*>(c->data);
            if (candidate->transport == NICE_CANDIDATE_TRANSPORT_UDP &&
                nice_address_ip_version(&candidate->addr) == 4) {
                nice_address_copy_to_sockaddr(&candidate->addr, reinterpret_cast<sockaddr*>(&out));
                break;
            }
        }
        g_slist_free_full(candidates, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
        return out;
    }

    // True when the component reached READY with a pair the controlling peer nominated.
    bool wait_nominated(std::chrono::seconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [this] { return selected_ && state_ == NICE_COMPONENT_STATE_READY; });
    }
    std::string selected_remote() {
        std::lock_guard lock(mutex_);
        return selected_remote_;
    }

private:
    // Runs f on the agent's main context and waits for it (libnice's API is called from the
    // thread that runs its context here, as its signals are).
    template <class F>
    void run(F f) {
        std::mutex m;
        std::condition_variable done_cv;
        bool done = false;
        auto call = [&] {
            f();
            std::lock_guard lock(m);
            done = true;
            done_cv.notify_all();
        };
        using Call = decltype(call);
        g_main_context_invoke(
            context_,
            [](gpointer data) -> gboolean {
                (*static_cast<Call*>(data))();
                return G_SOURCE_REMOVE;
            },
            &call);
        std::unique_lock lock(m);
        done_cv.wait(lock, [&] { return done; });
    }
    static void on_gathered(NiceAgent*, guint, gpointer data) {
        auto* self = static_cast<LiteAgent*>(data);
        std::lock_guard lock(self->mutex_);
        self->gathered_ = true;
        self->changed_.notify_all();
    }
    static void on_state(NiceAgent*, guint, guint, guint state, gpointer data) {
        auto* self = static_cast<LiteAgent*>(data);
        std::lock_guard lock(self->mutex_);
        self->state_ = state;
        self->changed_.notify_all();
    }
    static void on_selected(NiceAgent*, guint, guint, NiceCandidate*, NiceCandidate* remote, gpointer data) {
        auto* self = static_cast<LiteAgent*>(data);
        gchar address[NICE_ADDRESS_STRING_LEN];
        nice_address_to_string(&remote->addr, address);
        std::lock_guard lock(self->mutex_);
        self->selected_ = true;
        self->selected_remote_ = std::string(address) + ":" + std::to_string(nice_address_get_port(&remote->addr));
        self->changed_.notify_all();
    }
    static void on_receive(NiceAgent*, guint, guint, guint, gchar*, gpointer) {}

    GMainContext* context_;
    GMainLoop* loop_;
    NiceAgent* agent_ = nullptr;
    guint stream_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool gathered_ = false;
    bool selected_ = false;
    guint state_ = NICE_COMPONENT_STATE_DISCONNECTED;
    std::string selected_remote_;
};

// A UDP relay between the recorder and the lite agent that reads the recorder's STUN Binding
// requests (RFC 8489 section 5/14; ICE attributes RFC 8445 section 16.1). It is what shows the
// role: libnice's lite agent, unlike mediasoup, resolves a controlled/controlled role conflict
// (RFC 8445 section 7.3.1.1) by becoming controlling and nominating itself, and its
// "controlling-mode" property still reads the role it was given.
class StunTap {
public:
    explicit StunTap(sockaddr_in agent) : agent_(agent) {
        outer_ = bound_socket();
        inner_ = bound_socket();
        thread_ = std::thread([this] { relay(); });
    }
    ~StunTap() {
        stop_ = true;
        thread_.join();
        ::close(outer_);
        ::close(inner_);
    }
    StunTap(const StunTap&) = delete;
    StunTap& operator=(const StunTap&) = delete;

    // The offer's candidate: the relay's recorder-facing socket.
    std::string candidate() const {
        sockaddr_in a{};
        socklen_t length = sizeof a;
        ::getsockname(outer_, reinterpret_cast<sockaddr*>(&a), &length);
        return "candidate:1 1 udp 2130706431 127.0.0.1 " + std::to_string(ntohs(a.sin_port)) + " typ host";
    }
    int nominations() const { return nominations_; }
    int controlled_checks() const { return controlled_; }

private:
    static int bound_socket() {
        const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        return fd;
    }
    // A Binding request (type 0x0001, magic cookie 0x2112A442): counts ICE-CONTROLLING
    // (0x802A) together with USE-CANDIDATE (0x0025), and ICE-CONTROLLED (0x8029).
    void inspect(const unsigned char* p, std::size_t n) {
        if (n < 20 || p[0] != 0x00 || p[1] != 0x01 || p[4] != 0x21 || p[5] != 0x12 || p[6] != 0xA4 || p[7] != 0x42)
            return;
        bool use_candidate = false, controlling = false, controlled = false;
        for (std::size_t at = 20; at + 4 <= n;) {
            const unsigned type = (p[at] << 8) | p[at + 1];
            const std::size_t length = (p[at + 2] << 8) | p[at + 3];
            use_candidate |= type == 0x0025;
            controlling |= type == 0x802A;
            controlled |= type == 0x8029;
            at += 4 + ((length + 3) & ~std::size_t{3});
        }
        if (use_candidate && controlling) ++nominations_;
        if (controlled) ++controlled_;
    }
    void relay() {
        sockaddr_in recorder{};
        bool known = false;
        unsigned char buffer[2048];
        pollfd fds[2] = {{outer_, POLLIN, 0}, {inner_, POLLIN, 0}};
        while (!stop_) {
            if (::poll(fds, 2, 50) <= 0) continue;
            if (fds[0].revents & POLLIN) {
                socklen_t length = sizeof recorder;
                const auto n =
                    ::recvfrom(outer_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&recorder), &length);
                if (n > 0) {
                    known = true;
                    inspect(buffer, static_cast<std::size_t>(n));
                    ::sendto(inner_, buffer, static_cast<std::size_t>(n), 0, reinterpret_cast<const sockaddr*>(&agent_),
                             sizeof agent_);
                }
            }
            if (fds[1].revents & POLLIN) {
                const auto n = ::recv(inner_, buffer, sizeof buffer, 0);
                if (n > 0 && known)
                    ::sendto(outer_, buffer, static_cast<std::size_t>(n), 0,
                             reinterpret_cast<const sockaddr*>(&recorder), sizeof recorder);
            }
        }
    }

    sockaddr_in agent_;
    int outer_ = -1;
    int inner_ = -1;
    std::atomic<bool> stop_{false};
    std::atomic<int> nominations_{0};
    std::atomic<int> controlled_{0};
    std::thread thread_;
};

struct AnswerIce {
    std::string ufrag;
    std::string pwd;
    std::vector<std::string> candidates;
};

// ICE credentials may sit at session or media level (RFC 8839 section 5.4); candidates are
// media level (section 5.1).
std::optional<AnswerIce> ice_of(const std::string& answer) {
    GstSDPMessage* sdp = nullptr;
    gst_sdp_message_new(&sdp);
    if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(answer.data()), static_cast<guint>(answer.size()),
                                     sdp) != GST_SDP_OK ||
        gst_sdp_message_medias_len(sdp) == 0) {
        gst_sdp_message_free(sdp);
        return std::nullopt;
    }
    AnswerIce ice;
    const GstSDPMedia* media = gst_sdp_message_get_media(sdp, 0);
    const gchar* ufrag = gst_sdp_media_get_attribute_val(media, "ice-ufrag");
    const gchar* pwd = gst_sdp_media_get_attribute_val(media, "ice-pwd");
    if (!ufrag) ufrag = gst_sdp_message_get_attribute_val(sdp, "ice-ufrag");
    if (!pwd) pwd = gst_sdp_message_get_attribute_val(sdp, "ice-pwd");
    if (ufrag) ice.ufrag = ufrag;
    if (pwd) ice.pwd = pwd;
    for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
        const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
        if (std::string(a->key) == "candidate" && a->value)
            ice.candidates.push_back(std::string("candidate:") + a->value);
    }
    gst_sdp_message_free(sdp);
    if (ice.ufrag.empty() || ice.pwd.empty() || ice.candidates.empty()) return std::nullopt;
    return ice;
}

} // namespace

TEST_CASE("against an ICE-lite offerer the recorder is the controlling agent and nominates a pair (ICE only, no DTLS)",
          "[integration][bbb]") {
    LiteAgent sfu;
    const auto offer_ice = sfu.gather();
    REQUIRE(offer_ice);
    REQUIRE_FALSE(offer_ice->candidates.empty());
    StunTap tap(sfu.address());
    OfferIce via_tap = *offer_ice;
    via_tap.candidates = tap.candidate();

    WebrtcOptions options;
    options.ice_addresses = {"127.0.0.1"};
    auto engine = WebrtcEngine::create(options);
    REQUIRE(engine);
    TempDir dir;
    std::mutex mutex;
    std::condition_variable answered;
    std::optional<Result<std::string>> answer;
    MediaCallbacks callbacks;
    callbacks.on_answer = [&](Result<std::string> sdp) {
        std::lock_guard lock(mutex);
        answer = std::move(sdp);
        answered.notify_all();
    };
    auto session = (*engine)->start(mediasoup_offer(via_tap), dir.path / "ice-lite.webm", std::move(callbacks));
    REQUIRE(session);
    {
        std::unique_lock lock(mutex);
        REQUIRE(answered.wait_for(lock, 15s, [&] { return answer.has_value(); }));
    }
    REQUIRE(*answer);
    const auto answer_ice = ice_of(**answer);
    REQUIRE(answer_ice);
    // A full agent answers: no a=ice-lite of its own.
    CHECK((*answer)->find("a=ice-lite") == std::string::npos);
    REQUIRE(sfu.set_remote(answer_ice->ufrag, answer_ice->pwd, answer_ice->candidates));

    // A lite agent selects a pair only when a controlling peer's check carries USE-CANDIDATE.
    const bool nominated = sfu.wait_nominated(20s);
    INFO("the recorder's candidates: " << answer_ice->candidates.size() << ", first "
                                       << answer_ice->candidates.front());
    CHECK(nominated);
    CHECK(sfu.selected_remote().rfind("127.0.0.1:", 0) == 0);
    // The nomination came from the recorder: its checks said ICE-CONTROLLING with
    // USE-CANDIDATE, and none said ICE-CONTROLLED.
    CHECK(tap.nominations() > 0);
    CHECK(tap.controlled_checks() == 0);
    (*session)->stop();
}
