#pragma once
// UTF-8 ↔ Unicode code points for the archive's text sources: BBB's caption pad counts its
// edit indices in characters (captions.cpp), Etherpad's HTML export writes numeric character
// references (shared_notes.cpp). Both write their text back as UTF-8 through one encoder.
#include <string>
#include <string_view>
#include <vector>

namespace tafel::archive {

// The code points of `s`; a byte that starts no complete sequence becomes U+FFFD.
std::vector<char32_t> decode_utf8(std::string_view s);

// Appends `c` as UTF-8 (RFC 3629 section 3). A value that is no Unicode scalar value (a
// surrogate, above U+10FFFF) is written as U+FFFD, so the output is always valid UTF-8.
void append_utf8(std::string& out, char32_t c);

} // namespace tafel::archive
