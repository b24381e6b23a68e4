#include "pdf/placement.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace sealbridge::pdf {
namespace {

// A stamp may overhang the visible page by this much (rounding of mm values).
constexpr double kTolerancePt = 1.0;

const page_box& page_at(const std::vector<page_box>& pages, int page) {
  if (page < 1 || page > static_cast<int>(pages.size())) {
    throw error(errc::bad_params,
                "page " + std::to_string(page) + " is not in 1.." + std::to_string(pages.size()));
  }
  return pages[static_cast<std::size_t>(page - 1)];
}

// The user-space rectangle of a visible-page rectangle (top-left vx, vy; size w, h).
std::array<double, 4> user_rect(const page_box& box, double vx, double vy, double w, double h) {
  const auto a = visible_to_user(box, vx, vy);
  const auto b = visible_to_user(box, vx + w, vy + h);
  return {std::min(a[0], b[0]), std::min(a[1], b[1]), std::max(a[0], b[0]), std::max(a[1], b[1])};
}

void check_inside(const page_box& box, double vx, double vy, double w, double h, int page) {
  const auto [vw, vh] = visible_size(box);
  if (vx < -kTolerancePt || vy < -kTolerancePt || vx + w > vw + kTolerancePt ||
      vy + h > vh + kTolerancePt) {
    throw error(errc::bad_params, "the stamp does not fit on page " + std::to_string(page));
  }
}

}  // namespace

std::array<double, 2> visible_size(const page_box& box) {
  const double cw = box.crop_box[2] - box.crop_box[0];
  const double ch = box.crop_box[3] - box.crop_box[1];
  return box.rotate == 90 || box.rotate == 270 ? std::array<double, 2>{ch, cw}
                                               : std::array<double, 2>{cw, ch};
}

// /Rotate turns the page clockwise for display; the visible top-left corner is the crop box
// corner that ends up there.
std::array<double, 2> visible_to_user(const page_box& box, double vx, double vy) {
  const auto [llx, lly, urx, ury] = box.crop_box;
  switch (box.rotate) {
    case 90:
      return {llx + vy, lly + vx};
    case 180:
      return {urx - vx, lly + vy};
    case 270:
      return {urx - vy, ury - vx};
    default:
      return {llx + vx, ury - vy};
  }
}

std::vector<widget_plan> plan_widgets(const placement& where, double width_pt, double height_pt,
                                      const std::vector<page_box>& pages) {
  std::vector<widget_plan> plans;
  if (const auto* pos = std::get_if<at_position>(&where)) {
    const page_box& box = page_at(pages, pos->page);
    const double vx = pos->x_mm * kPointsPerMm, vy = pos->y_mm * kPointsPerMm;
    check_inside(box, vx, vy, width_pt, height_pt, pos->page);
    plans.push_back({pos->page - 1, user_rect(box, vx, vy, width_pt, height_pt), width_pt,
                     height_pt, 0, width_pt, height_pt, box.rotate});
  } else if (const auto* pt = std::get_if<at_point>(&where)) {
    const page_box& box = page_at(pages, pt->page);
    const auto& c = box.crop_box;
    if (pt->x_pt < c[0] - kTolerancePt || pt->x_pt > c[2] + kTolerancePt ||
        pt->y_pt < c[1] - kTolerancePt || pt->y_pt > c[3] + kTolerancePt) {
      throw error(errc::bad_params, "the stamp's center is off page " + std::to_string(pt->page));
    }
    const bool turned = box.rotate == 90 || box.rotate == 270;
    const double uw = turned ? height_pt : width_pt, uh = turned ? width_pt : height_pt;
    plans.push_back({pt->page - 1,
                     {pt->x_pt - uw / 2, pt->y_pt - uh / 2, pt->x_pt + uw / 2, pt->y_pt + uh / 2},
                     width_pt,
                     height_pt,
                     0,
                     width_pt,
                     height_pt,
                     box.rotate});
  } else {
    const auto& ride = std::get<riding>(where);
    const int last = ride.to_page == 0 ? static_cast<int>(pages.size()) : ride.to_page;
    page_at(pages, ride.from_page);
    page_at(pages, last);
    const int count = last - ride.from_page + 1;
    if (count < 2) throw error(errc::bad_params, "a riding seal needs at least two pages");
    const double slice = width_pt / count;
    for (int i = 0; i < count; ++i) {
      const int page = ride.from_page + i;
      const page_box& box = page_at(pages, page);
      const auto [vw, vh] = visible_size(box);
      const double center = ride.y_mm < 0 ? vh / 2 : ride.y_mm * kPointsPerMm;
      const double vx = vw - slice, vy = center - height_pt / 2;
      check_inside(box, vx, vy, slice, height_pt, page);
      plans.push_back({page - 1, user_rect(box, vx, vy, slice, height_pt), slice, height_pt,
                       -slice * i, width_pt, height_pt, box.rotate});
    }
  }
  return plans;
}

}  // namespace sealbridge::pdf
