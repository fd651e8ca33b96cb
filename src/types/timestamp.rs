//! [`Timestamp`]: the `time-val` of RFC 3659 §2.3 (MDTM, MFMT, MLSx `modify`/`create`).

/// A UTC time as `YYYYMMDDHHMMSS[.F+]` (RFC 3659 §2.3), validated field by field.
///
/// The fraction is kept as written (digits and their count), so it re-encodes exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    /// (value, number of digits); digits 1..=9.
    fraction: Option<(u32, u8)>,
}

/// A field of a [`Timestamp`] out of range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidTimestamp {
    /// Named field out of range.
    #[error("{field} out of range")]
    OutOfRange {
        /// Which field.
        field: &'static str,
    },
}

impl Timestamp {
    /// A timestamp without a fraction. Seconds may be 60 (a leap second, RFC 3659 §2.3).
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<Self, InvalidTimestamp> {
        let bad = |field| Err(InvalidTimestamp::OutOfRange { field });
        if year > 9999 {
            return bad("year");
        }
        if !(1..=12).contains(&month) {
            return bad("month");
        }
        if day == 0 || day > days_in_month(year, month) {
            return bad("day");
        }
        if hour > 23 {
            return bad("hour");
        }
        if minute > 59 {
            return bad("minute");
        }
        if second > 60 {
            return bad("second");
        }
        Ok(Timestamp {
            year,
            month,
            day,
            hour,
            minute,
            second,
            fraction: None,
        })
    }

    /// The same time with a fraction of a second: `value` written with `digits` digits (1 to 9,
    /// leading zeros included), for example `.05` is `(5, 2)`.
    pub fn with_fraction(mut self, value: u32, digits: u8) -> Result<Self, InvalidTimestamp> {
        if !(1..=9).contains(&digits) || u64::from(value) >= 10u64.pow(u32::from(digits)) {
            return Err(InvalidTimestamp::OutOfRange { field: "fraction" });
        }
        self.fraction = Some((value, digits));
        Ok(self)
    }

    /// Year (0 to 9999).
    pub const fn year(&self) -> u16 {
        self.year
    }
    /// Month (1 to 12).
    pub const fn month(&self) -> u8 {
        self.month
    }
    /// Day of month (1 to 31).
    pub const fn day(&self) -> u8 {
        self.day
    }
    /// Hour (0 to 23).
    pub const fn hour(&self) -> u8 {
        self.hour
    }
    /// Minute (0 to 59).
    pub const fn minute(&self) -> u8 {
        self.minute
    }
    /// Second (0 to 60).
    pub const fn second(&self) -> u8 {
        self.second
    }
    /// Fraction of a second as (value, number of digits), when given.
    pub const fn fraction(&self) -> Option<(u32, u8)> {
        self.fraction
    }

    /// Nanoseconds of the fraction (0 when none).
    pub fn nanos(&self) -> u32 {
        match self.fraction {
            None => 0,
            Some((v, d)) => v * 10u32.pow(9 - u32::from(d)),
        }
    }

    /// Seconds since 1970-01-01T00:00:00Z (negative before), ignoring the fraction.
    pub fn unix_seconds(&self) -> i64 {
        // Days from civil date (Howard Hinnant's algorithm, public domain description).
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The UTC time `secs` seconds after 1970-01-01T00:00:00Z (years 0 to 9999).
    pub fn from_unix_seconds(secs: i64) -> Result<Self, InvalidTimestamp> {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        let year = u16::try_from(y).map_err(|_| InvalidTimestamp::OutOfRange { field: "year" })?;
        Timestamp::new(
            year,
            m as u8,
            d as u8,
            (rem / 3600) as u8,
            (rem / 60 % 60) as u8,
            (rem % 60) as u8,
        )
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Timestamp {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let t = Timestamp::new(
            u.int_in_range(0..=9999)?,
            u.int_in_range(1..=12)?,
            u.int_in_range(1..=28)?,
            u.int_in_range(0..=23)?,
            u.int_in_range(0..=59)?,
            u.int_in_range(0..=60)?,
        )
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
        if u.arbitrary()? {
            let digits: u8 = u.int_in_range(1..=9)?;
            let value = u.int_in_range(0..=10u32.pow(u32::from(digits)) - 1)?;
            t.with_fraction(value, digits)
                .map_err(|_| arbitrary::Error::IncorrectFormat)
        } else {
            Ok(t)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_fields() {
        assert!(Timestamp::new(2024, 2, 29, 0, 0, 0).is_ok());
        assert!(Timestamp::new(2023, 2, 29, 0, 0, 0).is_err());
        assert!(Timestamp::new(1900, 2, 29, 0, 0, 0).is_err());
        assert!(Timestamp::new(2000, 2, 29, 0, 0, 0).is_ok());
        assert!(Timestamp::new(2000, 13, 1, 0, 0, 0).is_err());
        assert!(Timestamp::new(2000, 1, 1, 24, 0, 0).is_err());
        assert!(Timestamp::new(2000, 1, 1, 0, 0, 60).is_ok());
        let t = Timestamp::new(1998, 8, 11, 13, 0, 0).unwrap();
        assert!(t.with_fraction(100, 2).is_err());
        assert_eq!(t.with_fraction(5, 2).unwrap().nanos(), 50_000_000);
    }

    #[test]
    fn unix_seconds_round_trip() {
        let t = Timestamp::new(1970, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(t.unix_seconds(), 0);
        let t = Timestamp::new(2026, 11, 21, 7, 56, 52).unwrap();
        assert_eq!(t.unix_seconds(), 1_795_247_812);
        for s in [
            0i64,
            1,
            86_399,
            951_782_400,
            1_795_247_812,
            -86_400,
            253_402_300_799,
        ] {
            assert_eq!(Timestamp::from_unix_seconds(s).unwrap().unix_seconds(), s);
        }
    }
}
