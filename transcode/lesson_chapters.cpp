#include "transcode/lesson_chapters.hpp"

#include "transcode/slide_renderer.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tafel::transcode {

std::vector<ChapterCue> chapter_cues(const LessonTimeline& timeline, const PauseMap& pauses) {
    std::vector<ChapterCue> cues;
    for (const auto& s : timeline.slides()) {
        auto text = pdf_page_text(s.pdf, s.page);
        std::string title = text ? chapter_title_from_text(*text) : std::string();
        if (title.empty()) title = fmt::format("Folie {}", s.page);
        cues.push_back(ChapterCue{pauses.to_output(s.lesson_us) / 1000, std::move(title)});
    }
    for (const auto& c : timeline.chapters()) cues.push_back(ChapterCue{pauses.to_output(c.lesson_us) / 1000, c.title});
    std::stable_sort(cues.begin(), cues.end(),
                     [](const ChapterCue& a, const ChapterCue& b) { return a.start_ms < b.start_ms; });
    std::vector<ChapterCue> merged;
    for (auto& c : cues) {
        if (!merged.empty() && merged.back().title == c.title) continue;
        merged.push_back(std::move(c));
    }
    return merged;
}

std::vector<mux::ContainerChapter> container_chapters(const std::vector<ChapterCue>& cues, std::int64_t output_ms) {
    std::vector<mux::ContainerChapter> chapters;
    for (std::size_t k = 0; k < cues.size(); ++k) {
        if (cues[k].start_ms >= output_ms) break;
        const std::int64_t end = k + 1 < cues.size() ? std::min(cues[k + 1].start_ms, output_ms) : output_ms;
        if (end > cues[k].start_ms) chapters.push_back({cues[k].start_ms, end, cues[k].title});
    }
    return chapters;
}

} // namespace tafel::transcode
