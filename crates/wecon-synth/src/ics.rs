//! The organisation's meetings, and each person's iCalendar export of the ones they are in.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone, Weekday};
use chrono_tz::Tz;

use crate::rng::Rng;
use crate::{DOMAIN, SynthPerson, at_local, weekday_in_week};

#[derive(Debug, Clone)]
pub(crate) struct Attendee {
    pub person: usize,
    pub partstat: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct Override {
    pub recurrence_id: NaiveDateTime,
    pub start: NaiveDateTime,
    pub minutes: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Meeting {
    pub uid: String,
    pub organizer: usize,
    pub attendees: Vec<Attendee>,
    pub room: Option<String>,
    pub tz: Tz,
    pub start: NaiveDateTime,
    pub minutes: i64,
    pub rrule: Option<String>,
    pub exdates: Vec<NaiveDateTime>,
    pub overrides: Vec<Override>,
    pub cancelled: bool,
    pub summary: &'static str,
    /// How long before the start the invitation was sent (CREATED, DTSTAMP).
    pub notice_hours: i64,
}

/// One held occurrence of a meeting: its local start and length, and whether it was moved
/// (a RECURRENCE-ID override, with its own invitation).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Occurrence {
    pub start: NaiveDateTime,
    pub minutes: i64,
    pub moved: bool,
}

impl Meeting {
    fn involves(&self, i: usize) -> bool {
        self.organizer == i || self.attendees.iter().any(|a| a.person == i)
    }

    /// The occurrences over `weeks` weeks: a series weekly, less its excluded dates, with
    /// its moved ones where they were moved to.
    pub(crate) fn occurrences(&self, weeks: u32) -> Vec<Occurrence> {
        let instances = if self.rrule.is_some() { weeks } else { 1 };
        (0..instances)
            .filter_map(|k| {
                let nominal = self.start + Duration::days(7 * i64::from(k));
                if self.exdates.contains(&nominal) {
                    return None;
                }
                Some(
                    match self.overrides.iter().find(|o| o.recurrence_id == nominal) {
                        Some(o) => Occurrence {
                            start: o.start,
                            minutes: o.minutes,
                            moved: true,
                        },
                        None => Occurrence {
                            start: nominal,
                            minutes: self.minutes,
                            moved: false,
                        },
                    },
                )
            })
            .collect()
    }

    /// Everybody on the meeting: the organiser and the invited people (not rooms).
    pub(crate) fn people(&self) -> Vec<usize> {
        let mut people: Vec<usize> = self.attendees.iter().map(|a| a.person).collect();
        people.push(self.organizer);
        people.sort_unstable();
        people.dedup();
        people
    }
}

/// Plans the organisation's meetings over `weeks` weeks from `start` (a Monday).
pub(crate) fn plan_meetings(
    staff: &[SynthPerson],
    start: NaiveDate,
    weeks: u32,
    behaviour: &crate::Behaviour,
    rng: &mut Rng,
) -> Vec<Meeting> {
    let mut out = Vec::new();
    let mut uid = 0;
    let mut next_uid = || {
        uid += 1;
        format!("synth-{uid}@{DOMAIN}")
    };
    let accepted = |person| Attendee {
        person,
        partstat: "ACCEPTED",
    };

    // Weekly team meetings, organised by each unit's manager.
    for (m, manager) in staff
        .iter()
        .enumerate()
        .filter(|(_, p)| p.manager.is_none())
    {
        let members: Vec<usize> = (0..staff.len())
            .filter(|&i| staff[i].unit == manager.unit && staff[i].team == manager.team)
            .collect();
        if members.len() < 2 {
            continue;
        }
        let first = weekday_in_week(start, 0, Weekday::Mon);
        let mut attendees: Vec<Attendee> = members.iter().map(|&i| accepted(i)).collect();
        if let Some(a) = attendees.get_mut(1) {
            a.partstat = "TENTATIVE";
        }
        let mut meeting = Meeting {
            uid: next_uid(),
            organizer: m,
            attendees,
            room: Some(format!("room-{}@{DOMAIN}", manager.unit)),
            tz: manager.tz,
            start: at_local(first, 10, 0),
            // Finance and operations meet for 90 minutes: long recurring meetings.
            minutes: if matches!(manager.unit, "finance" | "operations") {
                90
            } else {
                60
            },
            rrule: Some(format!("FREQ=WEEKLY;COUNT={weeks}")),
            exdates: Vec::new(),
            overrides: Vec::new(),
            cancelled: false,
            summary: "Team meeting",
            notice_hours: 24 * 14,
        };
        if weeks >= 2 {
            let rid = at_local(weekday_in_week(start, 1, Weekday::Mon), 10, 0);
            let moved = at_local(weekday_in_week(start, 1, Weekday::Tue), 14, 0);
            meeting.overrides.push(Override {
                recurrence_id: rid,
                start: moved,
                minutes: 45,
            });
        }
        if weeks >= 3 {
            meeting
                .exdates
                .push(at_local(weekday_in_week(start, 2, Weekday::Mon), 10, 0));
        }
        out.push(meeting);

        // Stand-ups on Monday, Wednesday and Friday at 09:15, a weekly series each.
        for wd in [Weekday::Mon, Weekday::Wed, Weekday::Fri] {
            out.push(Meeting {
                uid: next_uid(),
                organizer: m,
                attendees: members.iter().map(|&i| accepted(i)).collect(),
                room: None,
                tz: manager.tz,
                start: at_local(weekday_in_week(start, 0, wd), 9, 15),
                minutes: 15,
                rrule: Some(format!("FREQ=WEEKLY;COUNT={weeks}")),
                exdates: Vec::new(),
                overrides: Vec::new(),
                cancelled: false,
                summary: "Stand-up",
                notice_hours: 24 * 14,
            });
        }

        // Weekly 1:1s with each report, back to back on Thursday from 14:00 (the last ones
        // run past working hours for a large team).
        for (k, &r) in members.iter().filter(|&&i| i != m).enumerate() {
            let minutes_after_two = 30 * k as u32;
            out.push(Meeting {
                uid: next_uid(),
                organizer: m,
                attendees: vec![accepted(m), accepted(r)],
                room: None,
                tz: manager.tz,
                start: at_local(
                    weekday_in_week(start, 0, Weekday::Thu),
                    14 + minutes_after_two / 60,
                    minutes_after_two % 60,
                ),
                minutes: 30,
                rrule: Some(format!("FREQ=WEEKLY;COUNT={weeks}")),
                exdates: Vec::new(),
                overrides: Vec::new(),
                cancelled: false,
                summary: "1:1",
                notice_hours: 24 * 14,
            });
        }
    }

    // An all-hands in the first week; one person declines.
    let tz: Tz = chrono_tz::Europe::Berlin;
    let mut everyone: Vec<Attendee> = (0..staff.len()).map(accepted).collect();
    if let Some(a) = everyone.last_mut() {
        a.partstat = "DECLINED";
    }
    out.push(Meeting {
        uid: next_uid(),
        organizer: 0,
        attendees: everyone,
        room: None,
        tz,
        start: at_local(weekday_in_week(start, 0, Weekday::Wed), 16, 0),
        minutes: 45,
        rrule: None,
        exdates: Vec::new(),
        overrides: Vec::new(),
        cancelled: false,
        summary: "All-hands",
        notice_hours: 24 * 10,
    });

    // Cross-unit project meetings, one a week for every three people (two at least), in
    // rotating slots; one in five is large (9 to 12 people); one invitee declines each.
    // Thursday's review at 15:00 clashes with the 1:1s then: double bookings.
    const SLOTS: [(Weekday, u32); 8] = [
        (Weekday::Tue, 11),
        (Weekday::Thu, 15),
        (Weekday::Mon, 14),
        (Weekday::Wed, 11),
        (Weekday::Fri, 10),
        (Weekday::Tue, 15),
        (Weekday::Wed, 14),
        (Weekday::Thu, 10),
    ];
    let per_week = (staff.len() / 3).max(2);
    for week in 0..weeks {
        for k in 0..per_week {
            let (wd, hour) = SLOTS[k % SLOTS.len()];
            let organizer = rng.below(staff.len());
            let size = if rng.chance(0.2) {
                9 + rng.below(4)
            } else {
                3 + rng.below(4)
            };
            // A scenario that cuts large meetings: some are no longer held.
            if size >= 9 && behaviour.large_meetings < 1.0 && !rng.chance(behaviour.large_meetings)
            {
                continue;
            }
            let mut attendees = vec![accepted(organizer)];
            while attendees.len() < size && attendees.len() < staff.len() {
                let p = rng.below(staff.len());
                if attendees.iter().all(|a| a.person != p) {
                    attendees.push(accepted(p));
                }
            }
            if let Some(a) = attendees.last_mut() {
                a.partstat = "DECLINED";
            }
            let otz = staff[organizer].tz;
            out.push(Meeting {
                uid: next_uid(),
                organizer,
                attendees,
                room: None,
                tz: otz,
                start: at_local(weekday_in_week(start, week, wd), hour, 0),
                minutes: if rng.chance(0.5) { 60 } else { 90 },
                rrule: None,
                exdates: Vec::new(),
                overrides: Vec::new(),
                cancelled: false,
                summary: "Project review",
                // Some are called at short notice, a few hours ahead.
                notice_hours: if rng.chance(0.3) { 3 } else { 48 },
            });
        }
    }

    // A cancelled meeting.
    let o = 1 % staff.len();
    out.push(Meeting {
        uid: next_uid(),
        organizer: o,
        attendees: vec![accepted(o), accepted((o + 1) % staff.len())],
        room: None,
        tz: staff[o].tz,
        start: at_local(weekday_in_week(start, 0, Weekday::Fri), 9, 30),
        minutes: 30,
        rrule: None,
        exdates: Vec::new(),
        overrides: Vec::new(),
        cancelled: true,
        summary: "Budget check",
        notice_hours: 24 * 3,
    });

    // Everybody's own weekly focus block: no other attendee, so no collaboration time.
    for (i, p) in staff.iter().enumerate() {
        out.push(Meeting {
            uid: next_uid(),
            organizer: i,
            attendees: Vec::new(),
            room: None,
            tz: p.tz,
            start: at_local(weekday_in_week(start, 0, Weekday::Wed), 13, 0),
            minutes: 120,
            rrule: Some(format!("FREQ=WEEKLY;COUNT={weeks}")),
            exdates: Vec::new(),
            overrides: Vec::new(),
            cancelled: false,
            summary: "Focus time",
            notice_hours: 24 * 14,
        });
    }
    out
}

/// The VTIMEZONE definition of the zones the organisation uses (current rules).
fn vtimezone(tz: Tz) -> Option<&'static str> {
    match tz.name() {
        "Europe/Berlin" => Some(
            "BEGIN:VTIMEZONE\nTZID:Europe/Berlin\nBEGIN:DAYLIGHT\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST\nDTSTART:19700329T020000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\nEND:DAYLIGHT\nBEGIN:STANDARD\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\nDTSTART:19701025T030000\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\nEND:STANDARD\nEND:VTIMEZONE",
        ),
        "America/New_York" => Some(
            "BEGIN:VTIMEZONE\nTZID:America/New_York\nBEGIN:DAYLIGHT\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nTZNAME:EDT\nDTSTART:19700308T020000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\nEND:DAYLIGHT\nBEGIN:STANDARD\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nTZNAME:EST\nDTSTART:19701101T020000\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\nEND:STANDARD\nEND:VTIMEZONE",
        ),
        _ => None,
    }
}

fn local_stamp(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// Folds a content line at 75 octets (RFC 5545 §3.1).
fn push_line(out: &mut String, line: &str) {
    let mut rest = line;
    let mut first = true;
    while !rest.is_empty() {
        let limit = if first { 75 } else { 74 };
        let mut cut = rest.len().min(limit);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if !first {
            out.push(' ');
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n");
        rest = &rest[cut..];
        first = false;
    }
}

/// Person `i`'s calendar: every meeting they organise or are invited to.
pub(crate) fn calendar_for(i: usize, staff: &[SynthPerson], meetings: &[Meeting]) -> String {
    let mut s = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//wecon//synth//EN",
        "CALSCALE:GREGORIAN",
    ] {
        push_line(&mut s, l);
    }
    push_line(&mut s, &format!("X-WR-TIMEZONE:{}", staff[i].tz.name()));
    let mut zones: Vec<Tz> = meetings
        .iter()
        .filter(|m| m.involves(i))
        .map(|m| m.tz)
        .collect();
    zones.sort_by_key(|z| z.name());
    zones.dedup();
    for z in zones {
        if let Some(text) = vtimezone(z) {
            for l in text.lines() {
                push_line(&mut s, l);
            }
        }
    }
    for m in meetings.iter().filter(|m| m.involves(i)) {
        write_event(&mut s, m, staff, None);
        for o in &m.overrides {
            write_event(&mut s, m, staff, Some(o));
        }
    }
    push_line(&mut s, "END:VCALENDAR");
    s
}

fn write_event(s: &mut String, m: &Meeting, staff: &[SynthPerson], o: Option<&Override>) {
    let tz = m.tz.name();
    let (start, minutes) = o.map_or((m.start, m.minutes), |o| (o.start, o.minutes));
    push_line(s, "BEGIN:VEVENT");
    push_line(s, &format!("UID:{}", m.uid));
    let sent =
        m.tz.from_local_datetime(&start)
            .earliest()
            .map(|d| d.naive_utc() - Duration::hours(m.notice_hours))
            .unwrap_or(start);
    push_line(s, &format!("DTSTAMP:{}Z", local_stamp(sent)));
    push_line(s, &format!("CREATED:{}Z", local_stamp(sent)));
    if let Some(o) = o {
        push_line(
            s,
            &format!("RECURRENCE-ID;TZID={tz}:{}", local_stamp(o.recurrence_id)),
        );
    }
    push_line(s, &format!("DTSTART;TZID={tz}:{}", local_stamp(start)));
    push_line(
        s,
        &format!(
            "DTEND;TZID={tz}:{}",
            local_stamp(start + Duration::minutes(minutes))
        ),
    );
    if o.is_none() {
        if let Some(r) = &m.rrule {
            push_line(s, &format!("RRULE:{r}"));
        }
        for x in &m.exdates {
            push_line(s, &format!("EXDATE;TZID={tz}:{}", local_stamp(*x)));
        }
    }
    push_line(s, &format!("SUMMARY:{}", m.summary));
    if m.cancelled {
        push_line(s, "STATUS:CANCELLED");
    }
    if !m.attendees.is_empty() {
        push_line(
            s,
            &format!(
                "ORGANIZER;CN={}:mailto:{}",
                staff[m.organizer].address, staff[m.organizer].address
            ),
        );
        for a in &m.attendees {
            let mut line = String::new();
            let _ = write!(
                line,
                "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={}:mailto:{}",
                a.partstat, staff[a.person].address
            );
            push_line(s, &line);
        }
        if let Some(room) = &m.room {
            push_line(
                s,
                &format!("ATTENDEE;CUTYPE=ROOM;PARTSTAT=ACCEPTED:mailto:{room}"),
            );
        }
    }
    push_line(s, "END:VEVENT");
}

#[cfg(test)]
mod tests {
    #[test]
    fn folds_long_lines() {
        let mut s = String::new();
        super::push_line(&mut s, &"x".repeat(160));
        let lines: Vec<&str> = s.split("\r\n").collect();
        assert_eq!(lines[0].len(), 75);
        assert!(lines[1].starts_with(' ') && lines[1].len() == 75);
    }
}
