#pragma once
// The look Somna's self-contained HTML pages share (the night report, the cohort summary): the
// inline style sheet, the page head that carries it, and the colour of each AASM severity class,
// so that a cohort page and the night reports it summarises read alike.

#include <string>

#include "analysis/night_report.hpp"

namespace somna::report {

// Colour of a night without an AHI estimate.
constexpr const char* kNoAhiColour = "#6c757d";

// The style sheet (cards, sections, tables, charts, print layout), without <style> tags.
const char* page_css();

// "<!doctype html>...<title>TITLE</title><style>...</style></head><body><main>\n";
// title_html must already be HTML-escaped.
std::string page_head(const std::string& title_html);

// Badge / bar colour of an AASM class: normal green, mild amber, moderate orange, severe red.
const char* severity_colour(analysis::Severity severity);

}  // namespace somna::report
