#pragma once
// BigBlueButton's live captions → one WebVTT file per locale, the equivalent of BBB's own
// captions step (record-and-playback/core/scripts/utils/gen_webvtt, run by captions.rb).
// BBB records captions as edits of a caption pad: EditCaptionHistoryEvent (module CAPTION)
// replaces the characters [startIndex, endIndex) of the locale's text with `text`. Replaying
// the edits gives the final text with a time per character (when it was typed); characters
// typed outside the recorded segments are cut (a line break in their place, as BBB does),
// the others are placed on the output's timeline (the gaps between segments removed), the
// text is cut into lines of at most 32 characters and every line becomes a cue.
#include "archive/archive_clock.hpp"
#include "archive/bbb_events.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tafel::archive {

struct CaptionTrack {
    std::string locale_code; // "en-US": the file name's part (only [A-Za-z0-9-], else "_")
    std::string locale_name; // "English (United States)": the track's label
    std::string vtt;         // the WebVTT document
    int cues = 0;
};

// Output time (ms from the first segment's start, the gaps removed) of a BBB timestamp
// inside a segment.
std::int64_t output_ms(const std::vector<Segment>& segments, std::int64_t timestamp_ms);

// One track per locale that has any text inside the segments, sorted by locale code.
std::vector<CaptionTrack> caption_tracks(const BbbArchiveEvents& archive, const std::vector<Segment>& segments);

} // namespace tafel::archive
