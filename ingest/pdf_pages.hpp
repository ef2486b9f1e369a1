#pragma once
// Counts the pages of an uploaded PDF without a PDF library (ingest never renders: Poppler
// lives in transcode/). Good enough for the deck_added event; the renderer counts for real.
#include <string_view>

namespace tafel::ingest {

// The number of page objects ("/Type /Page", ISO 32000-1 7.7.3.3), or when they are hidden
// in compressed object streams, the largest "/Count" of a page tree node. 0 if neither.
int count_pdf_pages(std::string_view pdf);

// True when the bytes start like a PDF ("%PDF-", ISO 32000-1 7.5.2).
bool looks_like_pdf(std::string_view bytes);

} // namespace tafel::ingest
