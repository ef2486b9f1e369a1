#pragma once
// HTML escaping shared by every page tafel writes: the player's server-rendered
// pages and the static page of a teacher's export. Text that comes from a
// recording (titles, names, chat) passes through it before it reaches HTML
// (HTML Living Standard §13.1.4: character references).
#include <string>
#include <string_view>

namespace tafel {

// Text and attribute values (quoted with "): & < > " ' become character
// references.
std::string html_escape(std::string_view text);

} // namespace tafel
