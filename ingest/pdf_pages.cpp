#include "ingest/pdf_pages.hpp"

#include <algorithm>
#include <cctype>

namespace tafel::ingest {

namespace {

bool is_pdf_space(char c) {
    // ISO 32000-1 7.2.2 white-space characters.
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

std::size_t skip_space(std::string_view s, std::size_t i) {
    while (i < s.size() && is_pdf_space(s[i])) ++i;
    return i;
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

} // namespace

int count_pdf_pages(std::string_view pdf) {
    int pages = 0;
    int max_count = 0;
    for (std::size_t at = pdf.find("/Type"); at != std::string_view::npos; at = pdf.find("/Type", at + 5)) {
        const std::size_t v = skip_space(pdf, at + 5);
        if (pdf.substr(v, 5) == "/Page" && (v + 5 >= pdf.size() || !is_name_char(pdf[v + 5]))) ++pages;
    }
    for (std::size_t at = pdf.find("/Count"); at != std::string_view::npos; at = pdf.find("/Count", at + 6)) {
        std::size_t v = skip_space(pdf, at + 6);
        int n = 0;
        bool digits = false;
        while (v < pdf.size() && std::isdigit(static_cast<unsigned char>(pdf[v])) && n < 1'000'000) {
            n = n * 10 + (pdf[v++] - '0');
            digits = true;
        }
        if (digits) max_count = std::max(max_count, n);
    }
    return pages > 0 ? pages : max_count;
}

bool looks_like_pdf(std::string_view bytes) { return bytes.substr(0, 5) == "%PDF-"; }

} // namespace tafel::ingest
