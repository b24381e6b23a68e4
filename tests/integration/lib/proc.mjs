// What /proc says of a running process (the daemon under test): memory in bytes, open file
// descriptors and threads, for the tests that judge what load does to it.
import fs from 'node:fs';

export function processStatus(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)[1]);
  return {
    rss: kb('VmRSS') * 1024,
    hwm: kb('VmHWM') * 1024,
    threads: Number(/^Threads:\s+(\d+)/m.exec(text)[1]),
    fds: fs.readdirSync(`/proc/${pid}/fd`).length,
  };
}
