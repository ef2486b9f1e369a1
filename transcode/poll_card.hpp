#pragma once
// The poll results card drawn over the slide area (issue 5 item 2): the question, then one
// row per option with its label, a bar proportional to its share of the votes and the
// count. Pango lays out the text (any UTF-8, right-to-left included).
#include "transcode/argb_image.hpp"

#include <string>
#include <vector>

namespace tafel::transcode {

struct PollCard {
    std::string id;
    std::string question;
    std::vector<std::string> options;
    std::vector<int> votes; // one per option (missing ones count 0)
    friend bool operator==(const PollCard&, const PollCard&) = default;
};

// The card's colours (0xRRGGBB): background and the bars.
inline constexpr std::uint32_t k_poll_background_rgb = 0xFFFFFF;
inline constexpr std::uint32_t k_poll_bar_rgb = 0x1A73E8;

// The card at `width` pixels; its height follows from the content (at most `max_height`).
ArgbImage render_poll_card(const PollCard& card, int width, int max_height);

} // namespace tafel::transcode
