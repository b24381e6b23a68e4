// The Win32 consent window: the same content, keys and timing as the GTK one
// (consent_window.cpp), with plain USER32 controls laid out by hand so that nothing beyond
// the system's own DLLs is needed.
#include <windows.h>
// After windows.h:
#include <commctrl.h>
#include <objbase.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "answer.hpp"
#include "consent_window.hpp"
#include "core/win32_text.hpp"
#include "layout.hpp"
#include "seal_picture_win.hpp"

namespace sealbridge::consent_dialog {

namespace {

constexpr wchar_t window_class[] = L"SealBridgeConsent";
constexpr int picture_box = 128;
constexpr int items_max_height = 220;
constexpr int gap_small = 4;     // between a caption and what it names
constexpr int gap_section = 14;  // between sections
constexpr int picture_gap = 12;  // between the seal picture and the item list

enum control_id : int {
  id_pin = 101,
  id_approve = IDOK,
  id_deny = IDCANCEL,
};
constexpr UINT_PTR timer_tick = 1;
constexpr UINT_PTR timer_arm = 2;
// The countdown is checked four times a second against a deadline, not counted in ticks:
// timer messages come late on a busy machine, and the broker's watchdog counts real time.
constexpr UINT tick_ms = 250;

// The longest PIN the request may allow (request.cpp clamps pin_max to 256 bytes) in UTF-16
// units, and its UTF-8 form: at most 3 bytes per UTF-16 unit.
constexpr std::size_t pin_chars_max = 256;
using wide_pin_buffer = std::array<wchar_t, pin_chars_max + 2>;
using utf8_pin_buffer = std::array<char, (pin_chars_max + 2) * 3>;

enum class font_kind { normal, bold, title, origin };
enum class tone { normal, dim, warning };
enum class row_kind { text, items, pin, buttons };

struct row {
  row_kind kind;
  HWND control = nullptr;  // the label or edit of this row; the item list for `items`
  font_kind font = font_kind::normal;
  tone color = tone::normal;
  int gap_before = 0;
};

// Everything the window procedure shares; lives on run_consent_window's stack for the whole
// message loop.
struct window_state {
  const request* req = nullptr;
  HWND window = nullptr;
  HWND pin = nullptr;  // null when the key has a protected authentication path
  HWND approve = nullptr;
  HWND deny = nullptr;
  HWND hint = nullptr;
  HWND countdown = nullptr;
  HWND items = nullptr;
  std::vector<row> rows;
  RECT picture_rect{};
  seal_bitmap picture;
  UINT dpi = USER_DEFAULT_SCREEN_DPI;
  std::array<HFONT, 4> fonts{};
  bool armed = false;
  bool answered = false;
  bool written = false;
  bool hint_alert = false;
  HWND last_focus = nullptr;  // the control to give the keyboard back to on reactivation
  ULONGLONG deadline_ms = 0;  // GetTickCount64() at which the dialog answers "timeout"
  int seconds_shown = -1;
};

// Functions of Windows 10 1607 and later, looked up at run time so the program still starts on
// older systems (and on wine versions that lack them), where it is simply system-DPI aware.
template <class F>
F user32_function(const char* name) {
  return reinterpret_cast<F>(
      reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"user32.dll"), name)));
}

UINT dpi_of(HWND window) {
  using get_dpi_for_window = UINT(WINAPI*)(HWND);
  static const auto get = user32_function<get_dpi_for_window>("GetDpiForWindow");
  if (get) {
    const UINT dpi = get(window);
    if (dpi) return dpi;
  }
  HDC dc = GetDC(window);
  const int dpi = dc ? GetDeviceCaps(dc, LOGPIXELSX) : USER_DEFAULT_SCREEN_DPI;
  if (dc) ReleaseDC(window, dc);
  return dpi > 0 ? static_cast<UINT>(dpi) : USER_DEFAULT_SCREEN_DPI;
}

void adjust_window_rect(RECT& rect, DWORD style, DWORD ex_style, UINT dpi) {
  using adjust_for_dpi = BOOL(WINAPI*)(LPRECT, DWORD, BOOL, DWORD, UINT);
  static const auto adjust = user32_function<adjust_for_dpi>("AdjustWindowRectExForDpi");
  if (!adjust || !adjust(&rect, style, FALSE, ex_style, dpi))
    AdjustWindowRectEx(&rect, style, FALSE, ex_style);
}

int scaled(const window_state& s, int pixels_at_96_dpi) {
  return MulDiv(pixels_at_96_dpi, static_cast<int>(s.dpi), USER_DEFAULT_SCREEN_DPI);
}

std::wstring wide(const std::string& utf8) {
  return wide_from_utf8(utf8);
}

// Chinese first unless the request asked for English first.
std::string ordered(const window_state& s, const std::string& zh, const std::string& en,
                    const char* separator) {
  return s.req->english_first ? en + separator + zh : zh + separator + en;
}
std::string two_lines(const window_state& s, const std::string& zh, const std::string& en) {
  return ordered(s, zh, en, "\r\n");
}
std::string caption(const window_state& s, const char* zh, const char* en) {
  return ordered(s, zh, en, "  ");
}

void delete_fonts(window_state& s) {
  for (HFONT& font : s.fonts) {
    if (font) DeleteObject(font);
    font = nullptr;
  }
}

int CALLBACK note_font_found(const LOGFONTW*, const TEXTMETRICW*, DWORD, LPARAM found) {
  *reinterpret_cast<bool*>(found) = true;
  return 0;  // one is enough
}

bool font_installed(const wchar_t* face) {
  LOGFONTW wanted{};
  wanted.lfCharSet = DEFAULT_CHARSET;
  lstrcpynW(wanted.lfFaceName, face, LF_FACESIZE);
  bool found = false;
  HDC dc = GetDC(nullptr);
  EnumFontFamiliesExW(dc, &wanted, note_font_found, reinterpret_cast<LPARAM>(&found), 0);
  ReleaseDC(nullptr, dc);
  return found;
}

// A face with Han characters: Microsoft YaHei UI is what Chinese Windows uses for its own
// dialogs; the others cover older or stripped systems and wine (which has the host's fonts).
// Without any of them the font mapper picks one and font linking does what it can.
const wchar_t* chinese_face() {
  static const wchar_t* const face = [] {
    for (const wchar_t* candidate :
         {L"Microsoft YaHei UI", L"Microsoft YaHei", L"SimSun", L"Noto Sans CJK SC",
          L"Source Han Sans SC", L"WenQuanYi Micro Hei"})
      if (font_installed(candidate)) return candidate;
    return L"Microsoft YaHei UI";
  }();
  return face;
}

HFONT make_font(const window_state& s, int points_tenths, bool bold) {
  LOGFONTW font{};
  font.lfHeight = -MulDiv(points_tenths, static_cast<int>(s.dpi), 720);
  font.lfWeight = bold ? FW_BOLD : FW_NORMAL;
  font.lfCharSet = DEFAULT_CHARSET;
  font.lfQuality = CLEARTYPE_QUALITY;
  lstrcpynW(font.lfFaceName, chinese_face(), LF_FACESIZE);
  return CreateFontIndirectW(&font);
}

void make_fonts(window_state& s) {
  delete_fonts(s);
  s.fonts[static_cast<int>(font_kind::normal)] = make_font(s, 95, false);
  s.fonts[static_cast<int>(font_kind::bold)] = make_font(s, 95, true);
  s.fonts[static_cast<int>(font_kind::title)] = make_font(s, 120, true);
  // The origin comes from the daemon's own check of the connection, not from the page: it is
  // the one line here a page cannot choose, so it is the largest.
  s.fonts[static_cast<int>(font_kind::origin)] = make_font(s, 150, true);
}

HFONT font_of(const window_state& s, font_kind kind) {
  return s.fonts[static_cast<int>(kind)];
}

// Static text never interprets '&' (SS_NOPREFIX): a document named "A&B" shows as that.
HWND add_text(window_state& s, const std::string& text, font_kind font = font_kind::normal,
              tone color = tone::normal, int gap_before = 0) {
  HWND label = CreateWindowExW(0, L"STATIC", wide(text).c_str(),
                               WS_CHILD | WS_VISIBLE | SS_LEFT | SS_NOPREFIX | SS_EDITCONTROL, 0, 0,
                               0, 0, s.window, nullptr, nullptr, nullptr);
  s.rows.push_back({row_kind::text, label, font, color, gap_before});
  return label;
}

std::string items_text(const window_state& s) {
  const request& req = *s.req;
  std::string out;
  for (const item& it : req.items) {
    if (!out.empty()) out += "\r\n\r\n";
    out += it.name.empty() ? "—" : it.name;
    if (!it.pages.empty()) out += "\r\n" + ordered(s, "页码", "Pages", " ") + ": " + it.pages;
    if (!it.sha256.empty()) out += "\r\nSHA-256: " + it.sha256;
    if (!it.detail.empty()) out += "\r\n" + it.detail;
  }
  if (req.item_count > req.items.size()) {
    const std::string more = std::to_string(req.item_count - req.items.size());
    if (!out.empty()) out += "\r\n\r\n";
    out += two_lines(s, "另有 " + more + " 项未列出", more + " more not listed");
  }
  return out;
}

void build_pin_section(window_state& s) {
  const request& req = *s.req;
  if (!req.want_pin) {
    add_text(s,
             two_lines(s, "此密钥在自身的键盘或按钮上验证身份，批准后请在密钥上操作。",
                       "This key checks your identity on its own PIN pad or button: use it "
                       "after approving."),
             font_kind::normal, tone::normal, gap_section);
    return;
  }
  add_text(s, caption(s, "PIN 码", "PIN"), font_kind::bold, tone::normal, gap_section);
  // ES_PASSWORD: the characters are never drawn, and other processes cannot read them with
  // WM_GETTEXT.
  s.pin = CreateWindowExW(WS_EX_CLIENTEDGE, L"EDIT", L"",
                          WS_CHILD | WS_VISIBLE | WS_TABSTOP | ES_PASSWORD | ES_AUTOHSCROLL, 0, 0,
                          0, 0, s.window, reinterpret_cast<HMENU>(static_cast<INT_PTR>(id_pin)),
                          nullptr, nullptr);
  SendMessageW(s.pin, EM_SETLIMITTEXT, std::min(req.pin_max, pin_chars_max), 0);
  s.rows.push_back({row_kind::pin, s.pin, font_kind::normal, tone::normal, gap_small});

  const std::string min = std::to_string(req.pin_min), max = std::to_string(req.pin_max);
  std::string zh = "长度 " + min + "–" + max + " 位", en = min + "–" + max + " characters";
  if (req.tries_left) {
    zh += "，剩余尝试次数 " + std::to_string(*req.tries_left);
    en += ", tries left: " + std::to_string(*req.tries_left);
  }
  s.hint = add_text(s, two_lines(s, zh, en), font_kind::normal, tone::dim, gap_small);
  if (req.final_try)
    add_text(s,
             two_lines(s, "警告：这是最后一次尝试，PIN 码再错一次密钥将被锁定。",
                       "Warning: this is the last try. One more wrong PIN locks the key."),
             font_kind::bold, tone::warning, gap_small);
}

HWND add_button(window_state& s, const char* zh, const char* en, int id, DWORD extra_style) {
  return CreateWindowExW(0, L"BUTTON", wide(ordered(s, zh, en, " ")).c_str(),
                         WS_CHILD | WS_VISIBLE | WS_TABSTOP | BS_PUSHBUTTON | extra_style, 0, 0, 0,
                         0, s.window, reinterpret_cast<HMENU>(static_cast<INT_PTR>(id)), nullptr,
                         nullptr);
}

void build(window_state& s) {
  const request& req = *s.req;
  const std::string zh_title = req.title_zh.empty() ? "签署确认" : req.title_zh;
  const std::string en_title = req.title_en.empty() ? "Confirm signing" : req.title_en;
  add_text(s, req.english_first ? en_title : zh_title, font_kind::title);
  add_text(s, req.english_first ? zh_title : en_title, font_kind::normal, tone::dim, gap_small);

  add_text(s, caption(s, "请求来源", "Requested by"), font_kind::bold, tone::normal, gap_section);
  add_text(s, req.origin, font_kind::origin, tone::normal, gap_small);

  add_text(s, caption(s, "签署证书", "Signing certificate"), font_kind::bold, tone::normal,
           gap_section);
  add_text(s, req.signer.empty() ? "—" : req.signer, font_kind::normal, tone::normal, gap_small);

  std::string what = caption(s, "签署内容", "To be signed");
  if (req.item_count > 1) {
    const std::string n = std::to_string(req.item_count);
    what += ":  " + ordered(s, "共 " + n + " 项", n + " items", " · ");
  }
  add_text(s, what, font_kind::bold, tone::normal, gap_section);
  if (req.picture_sent && !s.picture)
    add_text(s, two_lines(s, "（印章图片无法显示）", "(seal picture unreadable)"),
             font_kind::normal, tone::dim, gap_small);
  // A read-only edit: selectable (a user may copy a digest to compare it) and scrollable for a
  // long batch, but outside the Tab chain, which stays PIN -> Deny -> Approve.
  s.items = CreateWindowExW(0, L"EDIT", wide(items_text(s)).c_str(),
                            WS_CHILD | WS_VISIBLE | ES_MULTILINE | ES_READONLY | ES_AUTOVSCROLL, 0,
                            0, 0, 0, s.window, nullptr, nullptr, nullptr);
  s.rows.push_back({row_kind::items, s.items, font_kind::normal, tone::normal, gap_small});

  build_pin_section(s);

  s.countdown = CreateWindowExW(0, L"STATIC", L"", WS_CHILD | WS_VISIBLE | SS_LEFT | SS_NOPREFIX, 0,
                                0, 0, 0, s.window, nullptr, nullptr, nullptr);
  s.deny = add_button(s, "拒绝", "Deny", id_deny, 0);
  s.approve = add_button(s, "签署", "Approve", id_approve, BS_DEFPUSHBUTTON);
  s.rows.push_back({row_kind::buttons, s.countdown, font_kind::normal, tone::dim, gap_section});
}

int text_height(const window_state& s, HWND control, HFONT font, int width) {
  const int length = GetWindowTextLengthW(control);
  std::wstring text(static_cast<std::size_t>(length) + 1, L'\0');
  GetWindowTextW(control, text.data(), length + 1);
  text.resize(static_cast<std::size_t>(length));
  if (text.empty()) text = L" ";
  HDC dc = GetDC(s.window);
  const HGDIOBJ old = SelectObject(dc, font);
  RECT r{0, 0, width, 0};
  DrawTextW(dc, text.c_str(), static_cast<int>(text.size()), &r,
            DT_CALCRECT | DT_WORDBREAK | DT_EDITCONTROL | DT_NOPREFIX);
  SelectObject(dc, old);
  ReleaseDC(s.window, dc);
  return r.bottom - r.top;
}

int line_height(const window_state& s, HFONT font) {
  HDC dc = GetDC(s.window);
  const HGDIOBJ old = SelectObject(dc, font);
  TEXTMETRICW metrics{};
  GetTextMetricsW(dc, &metrics);
  SelectObject(dc, old);
  ReleaseDC(s.window, dc);
  return metrics.tmHeight + metrics.tmExternalLeading;
}

// Places every control for the current DPI; returns the client height it needs.
int lay_out(window_state& s) {
  const int border = scaled(s, window_border);
  const int width = scaled(s, default_window_width) - 2 * border;
  int y = border;
  for (const row& r : s.rows) {
    y += scaled(s, r.gap_before);
    const HFONT font = font_of(s, r.font);
    SendMessageW(r.control, WM_SETFONT, reinterpret_cast<WPARAM>(font), FALSE);
    switch (r.kind) {
      case row_kind::text: {
        const int h = text_height(s, r.control, font, width);
        MoveWindow(r.control, border, y, width, h, TRUE);
        y += h;
        break;
      }
      case row_kind::items: {
        int left = border;
        int picture_height = 0;
        if (s.picture) {
          s.picture_rect = {border, y, border + s.picture.width(), y + s.picture.height()};
          left += s.picture.width() + scaled(s, picture_gap);
          picture_height = s.picture.height();
        } else {
          s.picture_rect = {};
        }
        const int items_width = border + width - left;
        const int scrollbar = GetSystemMetrics(SM_CXVSCROLL);
        const int natural = text_height(s, r.control, font, items_width - scrollbar) + scaled(s, 4);
        const int limit = scaled(s, items_max_height);
        // A scroll bar only when the list does not fit.
        LONG_PTR style = GetWindowLongPtrW(r.control, GWL_STYLE);
        const LONG_PTR wanted = natural > limit ? (style | WS_VSCROLL) : (style & ~WS_VSCROLL);
        if (wanted != style) {
          SetWindowLongPtrW(r.control, GWL_STYLE, wanted);
          SetWindowPos(r.control, nullptr, 0, 0, 0, 0,
                       SWP_NOMOVE | SWP_NOSIZE | SWP_NOZORDER | SWP_FRAMECHANGED);
        }
        const int h = std::min(natural, limit);
        MoveWindow(r.control, left, y, items_width, h, TRUE);
        y += std::max(h, picture_height);
        break;
      }
      case row_kind::pin: {
        const int h = line_height(s, font) + scaled(s, 10);
        MoveWindow(r.control, border, y, width, h, TRUE);
        y += h;
        break;
      }
      case row_kind::buttons: {
        const int bw = scaled(s, button_width), bh = scaled(s, button_height);
        const int spacing = scaled(s, button_spacing);
        const int approve_x = border + width - bw;
        const int deny_x = approve_x - spacing - bw;
        SendMessageW(s.deny, WM_SETFONT, reinterpret_cast<WPARAM>(font), FALSE);
        SendMessageW(s.approve, WM_SETFONT, reinterpret_cast<WPARAM>(font), FALSE);
        MoveWindow(s.approve, approve_x, y, bw, bh, TRUE);
        MoveWindow(s.deny, deny_x, y, bw, bh, TRUE);
        const int ch = line_height(s, font);
        MoveWindow(r.control, border, y + (bh - ch) / 2, deny_x - spacing - border, ch, TRUE);
        y += bh;
        break;
      }
    }
  }
  return y + border;
}

// Sizes the window around its controls: at `suggested`'s corner when the system gives one
// (WM_DPICHANGED), else centred in the work area of `monitor`.
void fit_window(window_state& s, HMONITOR monitor, const RECT* suggested = nullptr) {
  const int client_height = lay_out(s);
  const auto style = static_cast<DWORD>(GetWindowLongPtrW(s.window, GWL_STYLE));
  const auto ex_style = static_cast<DWORD>(GetWindowLongPtrW(s.window, GWL_EXSTYLE));
  RECT frame{0, 0, scaled(s, default_window_width), client_height};
  adjust_window_rect(frame, style, ex_style, s.dpi);
  const int w = frame.right - frame.left, h = frame.bottom - frame.top;
  MONITORINFO info{};
  info.cbSize = sizeof info;
  GetMonitorInfoW(monitor, &info);
  const int work_left = info.rcWork.left, work_top = info.rcWork.top;
  const int work_width = info.rcWork.right - work_left;
  const int work_height = info.rcWork.bottom - work_top;
  const int x = suggested ? suggested->left : work_left + std::max(0, (work_width - w) / 2);
  const int y = suggested ? suggested->top : work_top + std::max(0, (work_height - h) / 2);
  SetWindowPos(s.window, HWND_TOPMOST, x, y, w, h, SWP_NOACTIVATE);
  InvalidateRect(s.window, nullptr, TRUE);
}

// The PIN as UTF-8 in `out`; returns its length in bytes. The caller wipes `out`.
std::size_t read_pin(const window_state& s, utf8_pin_buffer& out) {
  if (!s.pin) return 0;
  wide_pin_buffer typed{};
  const int chars = GetWindowTextW(s.pin, typed.data(), static_cast<int>(typed.size()));
  int bytes = 0;
  if (chars > 0)
    bytes = WideCharToMultiByte(CP_UTF8, 0, typed.data(), chars, out.data(),
                                static_cast<int>(out.size()), nullptr, nullptr);
  SecureZeroMemory(typed.data(), sizeof typed);
  return bytes > 0 ? static_cast<std::size_t>(bytes) : 0;
}

// The length rule is in bytes of UTF-8, as on Linux and as the daemon checks it.
bool pin_acceptable(const window_state& s) {
  if (!s.pin) return true;
  utf8_pin_buffer pin{};
  const std::size_t n = read_pin(s, pin);
  SecureZeroMemory(pin.data(), sizeof pin);
  return n >= s.req->pin_min && n <= s.req->pin_max;
}

void update_sensitivity(window_state& s) {
  EnableWindow(s.approve, s.armed && pin_acceptable(s));
}

// Overwrites the edit's characters in place before emptying it (the control frees its buffer
// unwiped otherwise) and drops its undo copy.
void wipe_pin(window_state& s) {
  if (!s.pin) return;
  const int length = GetWindowTextLengthW(s.pin);
  if (length > 0) {
    const std::wstring filler(static_cast<std::size_t>(length), L'*');
    SendMessageW(s.pin, EM_SETSEL, 0, -1);
    SendMessageW(s.pin, EM_REPLACESEL, FALSE, reinterpret_cast<LPARAM>(filler.c_str()));
  }
  SetWindowTextW(s.pin, L"");
  SendMessageW(s.pin, EM_EMPTYUNDOBUFFER, 0, 0);
}

void finish(window_state& s, bool approved, const char* reason) {
  if (s.answered) return;
  s.answered = true;
  KillTimer(s.window, timer_tick);
  KillTimer(s.window, timer_arm);
  if (approved) {
    utf8_pin_buffer pin{};
    const std::size_t n = read_pin(s, pin);
    s.written = write_approval(std::string_view(pin.data(), n));
    SecureZeroMemory(pin.data(), sizeof pin);
  } else {
    s.written = write_refusal(reason);
  }
  // The answer is complete: the broker need not wait for our exit to know it.
  if (const HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE); out && out != INVALID_HANDLE_VALUE) {
    SetStdHandle(STD_OUTPUT_HANDLE, nullptr);
    CloseHandle(out);
  }
  wipe_pin(s);
  // Nothing of the window matters any more, and the process exit takes it along. Hiding or
  // destroying it ourselves first costs wine up to two seconds without a window manager (it
  // waits for the window to be withdrawn), which the broker would count against our exit.
  PostQuitMessage(0);
}

void try_approve(window_state& s) {
  if (s.armed && pin_acceptable(s)) {
    finish(s, true, nullptr);
    return;
  }
  MessageBeep(MB_ICONWARNING);
  if (s.hint && s.armed && !s.hint_alert) {
    s.hint_alert = true;  // the length hint turns red (WM_CTLCOLORSTATIC)
    InvalidateRect(s.hint, nullptr, TRUE);
  }
}

// Shows the seconds left; returns false once there are none.
bool show_countdown(window_state& s) {
  const ULONGLONG now = GetTickCount64();
  if (now >= s.deadline_ms) return false;
  const int seconds = static_cast<int>((s.deadline_ms - now + 999) / 1000);
  if (seconds != s.seconds_shown) {
    s.seconds_shown = seconds;
    const std::string n = std::to_string(seconds);
    SetWindowTextW(s.countdown,
                   wide(ordered(s, "剩余 " + n + " 秒", n + " s left", " · ")).c_str());
  }
  return true;
}

// The broker's clock starts when it creates this process, so ours does too, not when the
// window finally shows (which under wine, or on a loaded machine, can be seconds later).
ULONGLONG deadline_from_process_start(int timeout_seconds) {
  const ULONGLONG now = GetTickCount64();
  const ULONGLONG timeout_ms = static_cast<ULONGLONG>(timeout_seconds) * 1000;
  FILETIME created, exited, kernel, user, current;
  if (!GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user))
    return now + timeout_ms;
  GetSystemTimeAsFileTime(&current);
  const auto ticks = [](const FILETIME& t) {
    return (static_cast<ULONGLONG>(t.dwHighDateTime) << 32) | t.dwLowDateTime;
  };
  const ULONGLONG elapsed_ms =
      ticks(current) > ticks(created) ? (ticks(current) - ticks(created)) / 10'000 : 0;
  return now + timeout_ms - std::min(elapsed_ms, timeout_ms);
}

// A window may take the foreground only when Windows lets it (the daemon that started us is a
// background process, so it usually does not): when refused, the window still sits above the
// others (topmost) and its taskbar button flashes until the user comes to it.
void come_forward(window_state& s) {
  SetForegroundWindow(s.window);
  BringWindowToTop(s.window);
  if (GetForegroundWindow() != s.window) {
    FLASHWINFO flash{};
    flash.cbSize = sizeof flash;
    flash.hwnd = s.window;
    flash.dwFlags = FLASHW_ALL | FLASHW_TIMERNOFG;
    FlashWindowEx(&flash);
  }
  if (s.pin)
    SetFocus(s.pin);
  else
    SetFocus(s.window);
}

tone tone_of(const window_state& s, HWND control) {
  if (control == s.countdown) return tone::dim;
  if (control == s.hint) return s.hint_alert ? tone::warning : tone::dim;
  for (const row& r : s.rows)
    if (r.control == control) return r.color;
  return tone::normal;
}

LRESULT on_color_static(window_state& s, HDC dc, HWND control) {
  switch (tone_of(s, control)) {
    case tone::dim:
      SetTextColor(dc, RGB(0x55, 0x55, 0x55));
      break;
    case tone::warning:
      SetTextColor(dc, RGB(0xC0, 0x10, 0x10));
      break;
    case tone::normal:
      SetTextColor(dc, GetSysColor(COLOR_WINDOWTEXT));
      break;
  }
  SetBkColor(dc, GetSysColor(COLOR_WINDOW));
  return reinterpret_cast<LRESULT>(GetSysColorBrush(COLOR_WINDOW));
}

void paint(window_state& s) {
  PAINTSTRUCT ps;
  HDC dc = BeginPaint(s.window, &ps);
  if (s.picture) {
    HDC memory = CreateCompatibleDC(dc);
    const HGDIOBJ old = SelectObject(memory, s.picture.get());
    BLENDFUNCTION blend{AC_SRC_OVER, 0, 255, AC_SRC_ALPHA};
    AlphaBlend(dc, s.picture_rect.left, s.picture_rect.top, s.picture.width(), s.picture.height(),
               memory, 0, 0, s.picture.width(), s.picture.height(), blend);
    SelectObject(memory, old);
    DeleteDC(memory);
  }
  EndPaint(s.window, &ps);
}

LRESULT CALLBACK window_procedure(HWND window, UINT message, WPARAM wparam, LPARAM lparam) {
  auto* s = reinterpret_cast<window_state*>(GetWindowLongPtrW(window, GWLP_USERDATA));
  if (message == WM_NCCREATE) {
    const auto* create = reinterpret_cast<const CREATESTRUCTW*>(lparam);
    SetWindowLongPtrW(window, GWLP_USERDATA, reinterpret_cast<LONG_PTR>(create->lpCreateParams));
    return DefWindowProcW(window, message, wparam, lparam);
  }
  if (!s) return DefWindowProcW(window, message, wparam, lparam);
  switch (message) {
    case WM_COMMAND:
      if (LOWORD(wparam) == id_approve && HIWORD(wparam) == BN_CLICKED) {
        try_approve(*s);
      } else if (LOWORD(wparam) == id_deny && HIWORD(wparam) == BN_CLICKED) {
        finish(*s, false, "denied");
      } else if (LOWORD(wparam) == id_pin && HIWORD(wparam) == EN_CHANGE) {
        if (s->hint_alert) {
          s->hint_alert = false;
          InvalidateRect(s->hint, nullptr, TRUE);
        }
        update_sensitivity(*s);
      }
      return 0;
    case WM_TIMER:
      if (wparam == timer_arm) {
        KillTimer(window, timer_arm);
        s->armed = true;
        update_sensitivity(*s);
        if (!s->pin) SetFocus(s->approve);
      } else if (wparam == timer_tick) {
        if (!show_countdown(*s)) finish(*s, false, "timeout");
      }
      return 0;
    case WM_CTLCOLORSTATIC:
      return on_color_static(*s, reinterpret_cast<HDC>(wparam), reinterpret_cast<HWND>(lparam));
    case WM_PAINT:
      paint(*s);
      return 0;
    case WM_DPICHANGED: {
      // Moved to a monitor of another scale: new fonts and sizes, on the monitor the system
      // suggests.
      s->dpi = HIWORD(wparam);
      make_fonts(*s);
      s->picture = seal_bitmap::decode_png(s->req->picture_png, scaled(*s, picture_box));
      const auto* suggested = reinterpret_cast<const RECT*>(lparam);
      fit_window(*s, MonitorFromRect(suggested, MONITOR_DEFAULTTONEAREST), suggested);
      return 0;
    }
    case WM_ACTIVATE:
      // A plain window (not a dialog box) would take the keyboard itself when activated: the
      // user who clicks the dialog that Windows kept from the foreground must land in the PIN
      // field, as must one who comes back to it.
      if (LOWORD(wparam) == WA_INACTIVE) {
        const HWND focus = GetFocus();
        if (focus && IsChild(window, focus)) s->last_focus = focus;
      } else {
        SetFocus(s->last_focus ? s->last_focus : (s->pin ? s->pin : window));
      }
      return 0;
    case WM_CLOSE:
      finish(*s, false, "closed");
      return 0;
    case WM_DESTROY:
      PostQuitMessage(0);
      return 0;
    default:
      return DefWindowProcW(window, message, wparam, lparam);
  }
}

// Escape and Enter are decided here, before IsDialogMessage, so that they mean the same
// wherever the focus is: Escape denies, Enter approves, except on a focused Deny button.
bool handle_key(window_state& s, const MSG& message) {
  if (message.message != WM_KEYDOWN) return false;
  if (message.wParam == VK_ESCAPE) {
    finish(s, false, "denied");
    return true;
  }
  if (message.wParam == VK_RETURN) {
    if (GetFocus() == s.deny)
      finish(s, false, "denied");
    else
      try_approve(s);
    return true;
  }
  return false;
}

// A process in a non-interactive window station (a service's session 0) could create a window
// nobody would ever see.
bool interactive_desktop() {
  HWINSTA station = GetProcessWindowStation();
  USEROBJECTFLAGS flags{};
  if (!station || !GetUserObjectInformationW(station, UOI_FLAGS, &flags, sizeof flags, nullptr))
    return true;  // cannot tell: try, and let CreateWindow decide
  return (flags.dwFlags & WSF_VISIBLE) != 0;
}

void become_dpi_aware() {
  using set_context = BOOL(WINAPI*)(DPI_AWARENESS_CONTEXT);
  // The manifest asks for the same; this covers a copy of the exe run without its resources.
  if (const auto set = user32_function<set_context>("SetProcessDpiAwarenessContext"))
    set(DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2);
}

int no_display() {
  write_refusal("no_display");
  return exit_no_display;
}

}  // namespace

int run_consent_window(const request& req, int&, char**&) {
  become_dpi_aware();
  if (!interactive_desktop()) return no_display();
  INITCOMMONCONTROLSEX controls{sizeof controls, ICC_STANDARD_CLASSES};
  InitCommonControlsEx(&controls);
  const HRESULT com = CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE);

  WNDCLASSEXW cls{};
  cls.cbSize = sizeof cls;
  cls.lpfnWndProc = window_procedure;
  cls.hInstance = GetModuleHandleW(nullptr);
  cls.hCursor = LoadCursorW(nullptr, IDC_ARROW);
  cls.hbrBackground = GetSysColorBrush(COLOR_WINDOW);
  cls.lpszClassName = window_class;
  cls.hIcon = LoadIconW(nullptr, IDI_SHIELD);
  RegisterClassExW(&cls);

  window_state s;
  s.req = &req;
  s.deadline_ms = deadline_from_process_start(req.timeout_seconds);
  const std::string title =
      std::string(window_title_prefix) + " · " +
      (req.english_first ? "Confirm signing · 签署确认" : "签署确认 · Confirm signing");
  // On the monitor the user is working on (where the pointer is), at its scale.
  POINT cursor{};
  GetCursorPos(&cursor);
  const HMONITOR monitor = MonitorFromPoint(cursor, MONITOR_DEFAULTTOPRIMARY);
  MONITORINFO info{};
  info.cbSize = sizeof info;
  GetMonitorInfoW(monitor, &info);
  s.window =
      CreateWindowExW(WS_EX_TOPMOST | WS_EX_DLGMODALFRAME | WS_EX_CONTROLPARENT, window_class,
                      wide(title).c_str(), WS_POPUP | WS_CAPTION | WS_SYSMENU, info.rcWork.left,
                      info.rcWork.top, 100, 100, nullptr, nullptr, cls.hInstance, &s);
  if (!s.window) {
    if (SUCCEEDED(com)) CoUninitialize();
    return no_display();
  }
  s.dpi = dpi_of(s.window);
  make_fonts(s);
  s.picture = seal_bitmap::decode_png(req.picture_png, scaled(s, picture_box));
  build(s);
  fit_window(s, monitor);
  show_countdown(s);
  update_sensitivity(s);

  ShowWindow(s.window, SW_SHOWNORMAL);
  UpdateWindow(s.window);
  come_forward(s);
  SetTimer(s.window, timer_tick, tick_ms, nullptr);
  SetTimer(s.window, timer_arm, static_cast<UINT>(arming_delay_ms), nullptr);

  MSG message;
  while (GetMessageW(&message, nullptr, 0, 0) > 0) {
    if (handle_key(s, message)) continue;
    if (IsDialogMessageW(s.window, &message)) continue;
    TranslateMessage(&message);
    DispatchMessageW(&message);
  }
  delete_fonts(s);
  if (SUCCEEDED(com)) CoUninitialize();
  return s.written ? 0 : 1;
}

}  // namespace sealbridge::consent_dialog
