//! The HTTP `Date` header (RFC 9110's IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`), read to
//! learn the server's clock when it refuses a signature as expired.

/// Seconds since the Unix epoch of an IMF-fixdate; `None` for anything else (the obsolete
/// RFC 850 and asctime forms included: Tencent Cloud sends IMF-fixdate).
pub(crate) fn parse_imf_fixdate(text: &str) -> Option<i64> {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let bytes = text.trim().as_bytes();
    // "Sun, 06 Nov 1994 08:49:37 GMT": fixed width, 29 bytes.
    if bytes.len() != 29 || &bytes[3..5] != b", " || &bytes[25..] != b" GMT" {
        return None;
    }
    let (weekday, day, month, year, time) = (&bytes[..3], &bytes[5..7], &bytes[8..11], &bytes[12..16], &bytes[17..25]);
    if bytes[7] != b' ' || bytes[11] != b' ' || bytes[16] != b' ' || time[2] != b':' || time[5] != b':' {
        return None;
    }
    let weekday = WEEKDAYS.iter().position(|w| w.as_bytes() == weekday)? as i64;
    let month = MONTHS.iter().position(|m| m.as_bytes() == month)? as u32 + 1;
    let (day, year) = (digits(day)?, digits(year)? as i64);
    let (hour, minute, second) = (digits(&time[..2])?, digits(&time[3..5])?, digits(&time[6..])?);
    // Second 60 is a leap second; it is read as the next second.
    if day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // 1970-01-01 was a Thursday (index 3).
    if (days + 3).rem_euclid(7) != weekday {
        return None;
    }
    Some(days * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = i64::from((month + 9) % 12); // March is 0
    let day_of_year = (153 * month_index + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_imf_fixdate() {
        let cases = [
            ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
            ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
            ("Tue, 29 Feb 2000 23:59:59 GMT", 951_868_799),
            ("Mon, 01 Jan 2024 00:00:00 GMT", 1_704_067_200),
            ("Wed, 31 Dec 1969 23:59:59 GMT", -1),
            ("Fri, 31 Dec 9999 23:59:59 GMT", 253_402_300_799),
            ("  Sun, 06 Nov 1994 08:49:37 GMT ", 784_111_777),
            ("Sat, 31 Dec 2016 23:59:60 GMT", 1_483_228_800),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_imf_fixdate(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn agrees_with_signing_utc_date_over_four_centuries() {
        // Every 1_000_003 seconds from 1900 to 2300: the date part matches signing's own calendar.
        let mut t = -2_208_988_800i64;
        while t < 10_413_792_000 {
            let date = crate::signing::utc_date(t);
            let (year, rest) = date.split_at(4);
            let month: u32 = rest[1..3].parse().unwrap();
            let day: u32 = rest[4..6].parse().unwrap();
            assert_eq!(days_from_civil(year.parse().unwrap(), month, day), t.div_euclid(86_400), "{date}");
            t += 1_000_003;
        }
    }

    #[test]
    fn refuses_anything_else() {
        for text in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT ",
            "Sun, 06 Now 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:49:37 GMT",
            "Sun, 06 Nov 1994 08:60:37 GMT",
            "Sun, 06 Nov 1994 08:49:61 GMT",
            "Thu, 30 Feb 2000 00:00:00 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08-49-37 GMT",
            "Sun, 06 Nov +994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:3x GMT",
            "Sun, 06 Nov 1994 08:49:37 GMTx",
            "日, 06 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_imf_fixdate(text), None, "{text:?}");
        }
    }
}
