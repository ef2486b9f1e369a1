#include "transcode/chat_panel.hpp"

#include "test_media.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <vector>

using namespace tafel::transcode;
using namespace tafel::transcode::test;

namespace {

// Rows [y0, y1) that contain a pixel different from the background.
int ink_rows(const ArgbImage& img, int y0, int y1) {
    int rows = 0;
    for (int y = y0; y < y1; ++y) {
        for (int x = 0; x < img.width; ++x) {
            if (!near_rgb(img.at(x, y), k_chat_background_rgb, 0)) {
                ++rows;
                break;
            }
        }
    }
    return rows;
}

} // namespace

TEST_CASE("an empty chat panel is the uniform background", "[unit]") {
    const auto img = render_chat_panel({}, 320, 540);
    REQUIRE(img.width == 320);
    REQUIRE(img.height == 540);
    CHECK(ink_rows(img, 0, 540) == 0);
    CHECK((img.at(0, 0) >> 24) == 0xFF); // opaque
}

TEST_CASE("a chat message is drawn at the bottom of the panel", "[unit]") {
    std::vector<ChatLine> lines{{72'000, "Jonas", "Können Sie die Aufgabe 3 nochmal erklären? 🙂 Größer bitte!"}};
    const auto img = render_chat_panel(lines, 320, 540);
    CHECK(ink_rows(img, 400, 540) > 10);   // the newest message sits at the bottom
    CHECK(ink_rows(img, 0, 300) == 0);     // and nothing else is drawn
}

TEST_CASE("long messages wrap inside the panel width", "[unit]") {
    const std::string long_text(400, 'x');
    std::vector<ChatLine> one_word{{0, "A", "kurz"}};
    std::vector<ChatLine> wrapped{{0, "A", long_text}};
    const auto short_img = render_chat_panel(one_word, 320, 540);
    const auto long_img = render_chat_panel(wrapped, 320, 540);
    // Wrapped text takes many more lines, and never reaches the right padding.
    CHECK(ink_rows(long_img, 0, 540) > 3 * ink_rows(short_img, 0, 540));
    for (int y = 0; y < 540; ++y) {
        for (int x = 316; x < 320; ++x) REQUIRE(near_rgb(long_img.at(x, y), k_chat_background_rgb, 0));
    }
}

TEST_CASE("older messages scroll off the top once the panel is full", "[unit]") {
    std::vector<ChatLine> lines;
    for (int i = 0; i < 60; ++i) lines.push_back({i * 1000, fmt::format("Kind {}", i), fmt::format("Nachricht Nummer {}", i)});
    const auto all = render_chat_panel(lines, 320, 540);
    const auto without_oldest = render_chat_panel(std::span<const ChatLine>(lines).subspan(1), 320, 540);
    CHECK(all.pixels == without_oldest.pixels);    // message 0 is far out of view
    CHECK(ink_rows(all, 0, 100) > 10);             // the panel is full up to the top
    // A new message changes what is shown.
    lines.push_back({61'000, "Frau Müller", "Gut gemacht!"});
    CHECK(render_chat_panel(lines, 320, 540).pixels != all.pixels);
}

TEST_CASE("lesson time is shown as mm:ss", "[unit]") {
    CHECK(format_lesson_time(0) == "00:00");
    CHECK(format_lesson_time(72'999) == "01:12");
    CHECK(format_lesson_time(75 * 60'000 + 2'000) == "75:02");
}

TEST_CASE("right-to-left messages are laid out from the right edge", "[unit]") {
    // The rightmost column with ink: Pango's automatic direction (auto_dir, UAX #9 first
    // strong character) aligns a Hebrew or Arabic paragraph to the right, a German one to the left.
    const auto rightmost_ink = [](const ArgbImage& img) {
        int right = -1;
        for (int y = 0; y < img.height; ++y) {
            for (int x = img.width - 1; x > right; --x) {
                if (!near_rgb(img.at(x, y), k_chat_background_rgb, 0)) right = x;
            }
        }
        return right;
    };
    const std::vector<ChatLine> ltr{{1'000, "Jonas", "Hallo"}};
    const std::vector<ChatLine> hebrew{{1'000, "Jonas", "שלום"}};
    const std::vector<ChatLine> arabic{{1'000, "Jonas", "مرحبا"}};
    CHECK(rightmost_ink(render_chat_panel(ltr, 320, 200)) < 200);
    CHECK(rightmost_ink(render_chat_panel(hebrew, 320, 200)) > 290);
    CHECK(rightmost_ink(render_chat_panel(arabic, 320, 200)) > 290);
}
