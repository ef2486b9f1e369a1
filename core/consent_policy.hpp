#pragma once
// Who of a lesson may be recorded at all, per context (issue 9 item 1, docs/privacy.md
// "Consent policies"). The policy is decided once, when a session is created (the control
// API's "consent_policy", else the config's per-context map, else the default), and is
// written into recording.json so that a later re-render follows the same rule.
//   consenting   — moderators and participants whose consent is granted (the default; GDPR
//                  Art. 6(1)(a) consent, Art. 25 privacy by default)
//   teacher_only — moderators only: every pupil is treated as not consenting, whatever their
//                  consent says (media, name and chat text of pupils are never recorded)
#include "core/error.hpp"

#include <map>
#include <string>
#include <string_view>

namespace tafel {

enum class ConsentPolicy { consenting, teacher_only };

std::string to_string(ConsentPolicy p);
// invalid_argument naming the value and the accepted ones.
Result<ConsentPolicy> consent_policy_from(std::string_view text);

// The config's "consent_policy" (default) and "consent_policy_contexts"
// ("klasse-7b=teacher_only,ag-robotik=consenting").
struct ConsentPolicies {
    ConsentPolicy fallback = ConsentPolicy::consenting;
    std::map<std::string, ConsentPolicy> by_context;

    ConsentPolicy for_context(const std::string& context) const;
    // invalid_argument naming the item for a malformed list or an unknown policy.
    static Result<ConsentPolicies> parse(std::string_view fallback, std::string_view contexts);
};

} // namespace tafel
