// Puts the user's unsaved edits on top of a configuration that changed meanwhile (a rule whitelisted
// from a notification, the file edited by hand), so that OK in an open settings dialog neither drops
// the other change nor the user's own.
#pragma once

#include "core/config.h"

namespace portwatch {

// `edited` is `base` plus the user's edits; `current` is `base` plus the change made elsewhere.
// Every field the user edited comes from `edited`, every other from `current`. The lists merge by
// item: what the user added is appended (once), what the user removed is removed, and what was
// added elsewhere stays. Where both changed the same single value, the user's edit wins.
Config mergeEdits(const Config &base, const Config &edited, const Config &current);

} // namespace portwatch
