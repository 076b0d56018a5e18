#pragma once
// The run's figures for people (one table, then a few lines per profile) and
// for tools (one JSON file per profile).

#include <ostream>
#include <string>
#include <vector>

#include "results.hpp"

namespace roomchat::load {

void print_details(std::ostream& out, const profile_result& r);
void print_table(std::ostream& out, const std::vector<profile_result>& results);
// Writes <dir>/load-<profile>.json; false when it cannot.
bool write_json(const std::string& dir, const profile_result& r);

}  // namespace roomchat::load
