//! Recording filters: title keywords, categories, a title regex, weekly time
//! windows and a cron expression, evaluated in a configured time zone. A live
//! stream that fails a filter is `OutOfSchedule` and is not recorded.

use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Timelike, Utc, Weekday};

use super::Filters;

/// Filters parsed once, evaluated on every check.
#[derive(Debug, Clone)]
pub struct CompiledFilters {
    include: Vec<String>,
    exclude: Vec<String>,
    categories: Vec<String>,
    regex: Option<regex::Regex>,
    windows: Vec<Window>,
    tz: Zone,
    cron: Option<cron::Schedule>,
}

#[derive(Debug, Clone)]
struct Window {
    days: Vec<Weekday>,
    start: NaiveTime,
    end: NaiveTime,
}

#[derive(Debug, Clone, Copy)]
enum Zone {
    Local,
    Named(chrono_tz::Tz),
}

/// Why a live stream is not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    TitleMissingKeyword,
    TitleExcluded(String),
    Category(String),
    Regex,
    OutsideSchedule,
    Cron,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TitleMissingKeyword => f.write_str("title has none of the required keywords"),
            Self::TitleExcluded(k) => write!(f, "title contains excluded keyword `{k}`"),
            Self::Category(c) => write!(f, "category `{c}` is not in the allowed list"),
            Self::Regex => f.write_str("title does not match title_regex"),
            Self::OutsideSchedule => f.write_str("outside the recording schedule"),
            Self::Cron => f.write_str("outside the cron schedule"),
        }
    }
}

fn weekday(s: &str) -> Result<Weekday, String> {
    Weekday::from_str(s)
        .map_err(|_| format!("schedule day `{s}` is not one of mon, tue, wed, thu, fri, sat, sun"))
}

fn time(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("schedule time `{s}` is not HH:MM"))
}

impl CompiledFilters {
    /// Parses the config form; errors are user-facing messages.
    pub fn compile(f: &Filters) -> Result<Self, String> {
        let lower = |v: &Vec<String>| v.iter().map(|s| s.to_lowercase()).collect();
        let regex = f
            .title_regex
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .map_err(|e| format!("title_regex: {e}"))?;
        let windows = f
            .schedule
            .iter()
            .map(|w| {
                Ok(Window {
                    days: w
                        .days
                        .iter()
                        .map(|d| weekday(d))
                        .collect::<Result<_, String>>()?,
                    start: time(&w.start)?,
                    end: time(&w.end)?,
                })
            })
            .collect::<Result<_, String>>()?;
        let tz = match f.timezone.as_deref().map(str::trim) {
            None | Some("") | Some("local") => Zone::Local,
            Some(name) => Zone::Named(
                name.parse()
                    .map_err(|_| format!("unknown time zone `{name}` (use an IANA name such as Europe/Berlin, or `local`)"))?,
            ),
        };
        let cron = f
            .cron
            .as_deref()
            .map(|c| {
                let fields = c.split_whitespace().count();
                let expr = if fields == 5 {
                    format!("0 {c}")
                } else {
                    c.to_string()
                };
                cron::Schedule::from_str(&expr).map_err(|e| format!("cron `{c}`: {e}"))
            })
            .transpose()?;
        Ok(Self {
            include: lower(&f.title_include),
            exclude: lower(&f.title_exclude),
            categories: lower(&f.categories),
            regex,
            windows,
            tz,
            cron,
        })
    }

    /// `Ok` when a stream with this title/category may be recorded at `now`.
    pub fn evaluate(
        &self,
        title: &str,
        category: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), Rejection> {
        let t = title.to_lowercase();
        if let Some(k) = self.exclude.iter().find(|k| t.contains(k.as_str())) {
            return Err(Rejection::TitleExcluded(k.clone()));
        }
        if !self.include.is_empty() && !self.include.iter().any(|k| t.contains(k.as_str())) {
            return Err(Rejection::TitleMissingKeyword);
        }
        if !self.categories.is_empty() {
            let c = category.unwrap_or("").to_lowercase();
            if !self.categories.contains(&c) {
                return Err(Rejection::Category(category.unwrap_or("").to_string()));
            }
        }
        if let Some(r) = &self.regex
            && !r.is_match(title)
        {
            return Err(Rejection::Regex);
        }
        match self.tz {
            Zone::Local => self.check_time(&now.with_timezone(&chrono::Local)),
            Zone::Named(tz) => self.check_time(&now.with_timezone(&tz)),
        }
    }

    fn check_time<Tz: TimeZone>(&self, at: &DateTime<Tz>) -> Result<(), Rejection> {
        if !self.windows.is_empty() && !self.windows.iter().any(|w| w.contains(at)) {
            return Err(Rejection::OutsideSchedule);
        }
        if let Some(c) = &self.cron {
            let minute = at.with_second(0).and_then(|t| t.with_nanosecond(0));
            if !minute.is_some_and(|m| c.includes(m)) {
                return Err(Rejection::Cron);
            }
        }
        Ok(())
    }
}

impl Window {
    /// Days name the day a window starts; an end before the start wraps
    /// past midnight into the next day; start == end is the whole day.
    fn contains<Tz: TimeZone>(&self, at: &DateTime<Tz>) -> bool {
        let day = at.weekday();
        let t = at.time();
        let on = |d: Weekday| self.days.is_empty() || self.days.contains(&d);
        if self.start == self.end {
            on(day)
        } else if self.start < self.end {
            on(day) && t >= self.start && t < self.end
        } else {
            (on(day) && t >= self.start) || (on(day.pred()) && t < self.end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::TimeWindow;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn compile(f: Filters) -> CompiledFilters {
        CompiledFilters::compile(&f).unwrap()
    }

    #[test]
    fn keywords_and_categories() {
        let f = compile(Filters {
            title_include: vec!["Final".into(), "playoffs".into()],
            title_exclude: vec!["rerun".into()],
            categories: vec!["Esports".into()],
            ..Default::default()
        });
        let now = utc("2026-11-25T12:00:00Z");
        assert_eq!(f.evaluate("Grand FINAL day", Some("esports"), now), Ok(()));
        assert_eq!(
            f.evaluate("Just chatting", Some("Esports"), now),
            Err(Rejection::TitleMissingKeyword)
        );
        assert_eq!(
            f.evaluate("final RERUN", Some("Esports"), now),
            Err(Rejection::TitleExcluded("rerun".into()))
        );
        assert_eq!(
            f.evaluate("final", Some("Music"), now),
            Err(Rejection::Category("Music".into()))
        );
        assert_eq!(
            f.evaluate("final", None, now),
            Err(Rejection::Category(String::new()))
        );
    }

    #[test]
    fn regex_filter() {
        let f = compile(Filters {
            title_regex: Some(r"^\[LIVE\]".into()),
            ..Default::default()
        });
        let now = utc("2026-11-25T12:00:00Z");
        assert!(f.evaluate("[LIVE] hi", None, now).is_ok());
        assert_eq!(f.evaluate("hi [LIVE]", None, now), Err(Rejection::Regex));
    }

    #[test]
    fn wrapping_schedule_in_a_time_zone() {
        // Friday 20:00 - 02:00 Berlin time (UTC+1 in November).
        let f = compile(Filters {
            schedule: vec![TimeWindow {
                days: vec!["fri".into()],
                start: "20:00".into(),
                end: "02:00".into(),
            }],
            timezone: Some("Europe/Berlin".into()),
            ..Default::default()
        });
        // 2026-11-27 is a Friday.
        assert!(
            f.evaluate("t", None, utc("2026-11-27T19:30:00Z")).is_ok(),
            "Fri 20:30 Berlin"
        );
        assert!(
            f.evaluate("t", None, utc("2026-11-28T00:30:00Z")).is_ok(),
            "Sat 01:30 Berlin wraps"
        );
        assert_eq!(
            f.evaluate("t", None, utc("2026-11-28T01:30:00Z")),
            Err(Rejection::OutsideSchedule)
        );
        assert_eq!(
            f.evaluate("t", None, utc("2026-11-27T18:00:00Z")),
            Err(Rejection::OutsideSchedule)
        );
        assert_eq!(
            f.evaluate("t", None, utc("2026-11-26T20:00:00Z")),
            Err(Rejection::OutsideSchedule),
            "Thursday"
        );
    }

    #[test]
    fn cron_minutes() {
        let f = compile(Filters {
            cron: Some("* 18-19 * * *".into()),
            timezone: Some("UTC".into()),
            ..Default::default()
        });
        assert!(f.evaluate("t", None, utc("2026-11-25T18:59:30Z")).is_ok());
        assert_eq!(
            f.evaluate("t", None, utc("2026-11-25T20:00:00Z")),
            Err(Rejection::Cron)
        );
    }

    #[test]
    fn bad_values_are_errors() {
        for f in [
            Filters {
                cron: Some("every day".into()),
                ..Default::default()
            },
            Filters {
                timezone: Some("Mars/Olympus".into()),
                ..Default::default()
            },
            Filters {
                title_regex: Some("(".into()),
                ..Default::default()
            },
            Filters {
                schedule: vec![TimeWindow {
                    days: vec!["someday".into()],
                    start: "10:00".into(),
                    end: "11:00".into(),
                }],
                ..Default::default()
            },
        ] {
            assert!(CompiledFilters::compile(&f).is_err(), "{f:?}");
        }
    }
}
