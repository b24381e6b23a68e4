#pragma once

#include <array>
#include <vector>

#include "pdf/pdf_document.hpp"
#include "pdf/pdf_signer.hpp"

// Where each widget of a signature goes, from the caller's placement in visible-page terms.
namespace sealbridge::pdf {

inline constexpr double kPointsPerMm = 72.0 / 25.4;

struct widget_plan {
  int page_index = 0;                      // 0-based
  std::array<double, 4> rect{};            // default user space
  double bbox_width = 0, bbox_height = 0;  // the form's BBox, upright, in points
  double image_x = 0;  // where the picture starts in the form (slices shift it left)
  double image_width = 0, image_height = 0;
  int rotate = 0;  // the page's /Rotate, undone by the form's /Matrix
};

// Maps a point given from the top-left of the visible (cropped, rotated) page to user space.
std::array<double, 2> visible_to_user(const page_box& box, double vx, double vy);
// Visible width and height of the page in points.
std::array<double, 2> visible_size(const page_box& box);

// Throws error(bad_params) when a page is out of range or the stamp falls off the page.
std::vector<widget_plan> plan_widgets(const placement& where, double width_pt, double height_pt,
                                      const std::vector<page_box>& pages);

}  // namespace sealbridge::pdf
