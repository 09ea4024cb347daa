//! Wall-clock readings for what `tem` shows: the Unix time now, and a Unix time as the local
//! time of day (the C library's `localtime_r`, which knows the system's time zone and `TZ`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// `HH:MM:SS` of `unix` in the local time zone (UTC if it cannot be converted).
pub fn local_time_of_day(unix: i64) -> String {
    let seconds_of_day = match local_offset(unix) {
        Some(offset) => (unix + offset).rem_euclid(86_400),
        None => unix.rem_euclid(86_400),
    };
    format!("{:02}:{:02}:{:02}", seconds_of_day / 3600, seconds_of_day % 3600 / 60, seconds_of_day % 60)
}

/// The local time zone's offset from UTC at `unix`, in seconds.
#[cfg(unix)]
fn local_offset(unix: i64) -> Option<i64> {
    let time = libc::time_t::try_from(unix).ok()?;
    // SAFETY: `tm` is plain data that `localtime_r` fills; both pointers are valid for the call,
    // and `localtime_r` (unlike `localtime`) uses no shared buffer.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let filled = unsafe { libc::localtime_r(&time, &mut tm) };
    (!filled.is_null()).then_some(tm.tm_gmtoff)
}

#[cfg(not(unix))]
fn local_offset(_unix: i64) -> Option<i64> {
    None
}
