#pragma once
// A signed link to one recording's page (docs/player.md "Access"), for `tafel recordings
// share`: the same token a portal would compute, so that a teacher can hand a lesson to a
// class or a colleague without the portal. Issuing one is audited as "shared" (issue 9) by
// the caller, with the role and the expiry, never with who receives it.
#include "core/error.hpp"

#include <cstdint>
#include <string>

namespace tafel::player {

struct ShareLink {
    std::string url;  // <public url>/r/<id>?token=<token>
    std::string role; // "viewer" or "owner"
    std::int64_t expires_unix_s = 0;
};

// invalid_argument naming what is wrong: an empty secret (open access needs no link), a
// recording id that is not a safe id, a lifetime that is not positive.
Result<ShareLink> share_link(const std::string& public_url, const std::string& recording_id, bool owner,
                             std::int64_t now_unix_s, std::int64_t valid_s, const std::string& secret);

} // namespace tafel::player
