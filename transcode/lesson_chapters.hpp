#pragma once
// The chapters of a lesson, shared by the render job and the audio-only preview job so that
// both publish the same chapters.vtt and container chapters.
#include "mux/container_writer.hpp"
#include "transcode/lesson_sidecars.hpp"
#include "transcode/lesson_timeline.hpp"
#include "transcode/pause_map.hpp"

#include <cstdint>
#include <vector>

namespace tafel::transcode {

// One chapter per slide change (titled from the page's text, else "Folie N") and per
// `chapter` event, in output time; a slide shown again with the same title right away is
// not a new chapter.
std::vector<ChapterCue> chapter_cues(const LessonTimeline& timeline, const PauseMap& pauses);

// The same cues as container chapters (Matroska Chapters), each ending where the next
// begins, clipped to `output_ms`; empty ones dropped.
std::vector<mux::ContainerChapter> container_chapters(const std::vector<ChapterCue>& cues, std::int64_t output_ms);

} // namespace tafel::transcode
