#pragma once
// The chat panel of the lesson video: Pango lays out each message (the sender's name in
// bold and the lesson time as mm:ss, then the text word-wrapped, any UTF-8 including
// umlauts and emoji) and Cairo draws them bottom-up, so the newest message sits at the
// bottom and older ones scroll off the top, like a chat window.
#include "transcode/argb_image.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace tafel::transcode {

struct ChatLine {
    std::int64_t t_ms = 0; // lesson time of the message
    std::string name;      // as shown (already pseudonymised where required)
    std::string text;
};

// The panel's background colour (0xRRGGBB): an empty panel is exactly this colour.
inline constexpr std::uint32_t k_chat_background_rgb = 0xF4F5F7;

// "mm:ss" of a lesson time (minutes keep counting past 59: "75:02").
std::string format_lesson_time(std::int64_t t_ms);

// Draws `lines` (oldest first) into a width x height panel.
ArgbImage render_chat_panel(std::span<const ChatLine> lines, int width, int height);

} // namespace tafel::transcode
