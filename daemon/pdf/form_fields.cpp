#include "pdf/form_fields.hpp"

#include <set>

#include "pdf/pdf_syntax.hpp"

namespace sealbridge::pdf {
namespace {

constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxFields = 100000;

bool is_field_kid(QPDFObjectHandle kid) {
  return kid.isDictionary() && kid.hasKey("/T");
}

void walk(QPDFObjectHandle node, const std::string& parent_name, const std::string& parent_type,
          int depth, std::set<QPDFObjGen>& seen, std::vector<form_field>& out) {
  if (!node.isDictionary() || depth > kMaxDepth || out.size() >= kMaxFields) return;
  if (node.isIndirect() && !seen.insert(node.getObjGen()).second) return;
  std::string name = parent_name;
  auto t = node.getKey("/T");
  if (t.isString()) {
    const std::string part = text_string_to_utf8(t.getStringValue());
    name = name.empty() ? part : name + "." + part;
  }
  std::string type = parent_type;
  auto ft = node.getKey("/FT");
  if (ft.isName()) type = ft.getName().substr(1);

  bool has_field_kids = false;
  auto kids = node.getKey("/Kids");
  if (kids.isArray()) {
    for (int i = 0; i < kids.getArrayNItems(); ++i) {
      auto kid = kids.getArrayItem(i);
      if (is_field_kid(kid)) {
        has_field_kids = true;
        walk(kid, name, type, depth + 1, seen, out);
      }
    }
  }
  if (!has_field_kids) out.push_back({node, name, type});
}

}  // namespace

std::vector<form_field> terminal_fields(QPDFObjectHandle acroform) {
  std::vector<form_field> out;
  if (!acroform.isDictionary()) return out;
  auto fields = acroform.getKey("/Fields");
  if (!fields.isArray()) return out;
  std::set<QPDFObjGen> seen;
  for (int i = 0; i < fields.getArrayNItems(); ++i) {
    walk(fields.getArrayItem(i), "", "", 0, seen, out);
  }
  return out;
}

std::vector<QPDFObjectHandle> widgets_of(QPDFObjectHandle field) {
  std::vector<QPDFObjectHandle> out;
  if (field.getKey("/Subtype").isNameAndEquals("/Widget") || field.hasKey("/Rect")) {
    out.push_back(field);
    return out;
  }
  auto kids = field.getKey("/Kids");
  if (!kids.isArray()) return out;
  for (int i = 0; i < kids.getArrayNItems() && i < 10000; ++i) {
    auto kid = kids.getArrayItem(i);
    if (kid.isDictionary() && !kid.hasKey("/T")) out.push_back(kid);
  }
  return out;
}

}  // namespace sealbridge::pdf
