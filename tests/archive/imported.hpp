#pragma once
// Reads back what an import wrote (recording.json, events.jsonl) for assertions, and replays
// draw events into the whiteboard state at a given time.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace tafel::archive::test {

struct Imported {
    nlohmann::json recording;
    std::vector<nlohmann::json> events;

    static Imported load(const std::filesystem::path& raw_dir) {
        Imported out;
        std::ifstream rec(raw_dir / "recording.json");
        out.recording = nlohmann::json::parse(rec);
        std::ifstream ev(raw_dir / "events.jsonl");
        for (std::string line; std::getline(ev, line);) {
            if (!line.empty()) out.events.push_back(nlohmann::json::parse(line));
        }
        return out;
    }

    std::vector<nlohmann::json> of_type(const std::string& type) const {
        std::vector<nlohmann::json> out;
        for (const auto& e : events) {
            if (e["type"] == type) out.push_back(e);
        }
        return out;
    }

    const nlohmann::json* track(const std::string& id) const {
        for (const auto& t : recording["tracks"]) {
            if (t["id"] == id) return &t;
        }
        return nullptr;
    }

    // Shapes on the whiteboard at `t_us` (draw events applied in order up to and including it).
    std::map<std::string, nlohmann::json> shapes_at(std::int64_t t_us) const {
        std::map<std::string, nlohmann::json> shapes;
        for (const auto& e : events) {
            if (e["t_us"].get<std::int64_t>() > t_us) break;
            const std::string type = e["type"];
            if (type == "draw_added" || type == "draw_updated") shapes[e["id"]] = e;
            if (type == "draw_removed") shapes.erase(e["id"].get<std::string>());
            if (type == "draw_cleared") {
                std::erase_if(shapes, [&](const auto& kv) {
                    return kv.second["deck"] == e["deck"] && kv.second["page"] == e["page"];
                });
            }
        }
        return shapes;
    }
};

} // namespace tafel::archive::test
