#pragma once

#include <windows.h>

#include <functional>

namespace sealbridge::tray {

// The message a finished background job posts to the tray's window; its LPARAM is the job.
constexpr UINT kJobDoneMessage = WM_APP + 2;

// Runs `work` on a thread of its own, then posts kJobDoneMessage to `window`, whose window
// procedure hands the LPARAM to finish_background_job: `done` runs on the UI thread. Daemon
// calls block on sockets and must never freeze the message loop.
void run_in_background(HWND window, std::function<void()> work, std::function<void()> done);

// Runs the job's `done` and frees it. Called for every kJobDoneMessage.
void finish_background_job(LPARAM job);

}  // namespace sealbridge::tray
