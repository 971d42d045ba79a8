//! The organisation as Microsoft Viva Insights exports it (`wecon synth --viva`): a meeting
//! query (one row per held or cancelled meeting occurrence with attendees) and a person
//! query (one row per person and week, hours per channel from the simulation).
//!
//! Viva identifies people by its own hashed ids, which cannot be linked to mail addresses:
//! the two files describe the same people a second time. That is why they are written only
//! on request, into `viva/`, to be ingested on their own (as an organisation that has only
//! Viva would) or to test wecon's Viva readers at scale.

use std::fmt::Write as _;

use chrono::{Duration, TimeZone};
use chrono_tz::Tz;

use crate::ics::Meeting;
use crate::truth::ChannelSeconds;
use crate::{RosterRow, SynthPerson};

/// Viva's id for a person: a stable hash of the address (FNV-1a, 64 bits).
pub(crate) fn viva_id(address: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in address.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The Windows zone name Viva writes for the organisation's zones.
fn windows_zone(tz: Tz) -> &'static str {
    match tz.name() {
        "Europe/Berlin" => "W. Europe Standard Time",
        "America/New_York" => "Eastern Standard Time",
        _ => "UTC",
    }
}

/// The meeting query: every occurrence of every meeting with attendees.
pub(crate) fn meeting_query(
    staff: &[SynthPerson],
    roster: &[RosterRow],
    meetings: &[Meeting],
    weeks: u32,
) -> String {
    let mut csv = String::from(
        "MeetingId,StartDate,StartTimeUTC,EndDate,EndTimeUTC,Attendees,DurationHours,Organizer_PersonId,\
         Organizer_TimeZone,Organizer_Organization,Organizer_LevelDesignation,Organizer_HourlyRate,\
         IsCancelled,IsRecurring,Subject\n",
    );
    for m in meetings.iter().filter(|m| !m.attendees.is_empty()) {
        let o = &staff[m.organizer];
        for (k, occ) in m.occurrences(weeks).into_iter().enumerate() {
            let Some(start) = m.tz.from_local_datetime(&occ.start).earliest() else {
                continue;
            };
            let start = start.naive_utc();
            let end = start + Duration::minutes(occ.minutes);
            let _ = writeln!(
                csv,
                "{}-{k},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                m.uid,
                start.format("%-m/%-d/%Y"),
                start.format("%H:%M:%S"),
                end.format("%-m/%-d/%Y"),
                end.format("%H:%M:%S"),
                m.people().len(),
                occ.minutes as f64 / 60.0,
                viva_id(&o.address),
                windows_zone(o.tz),
                o.unit,
                roster[m.organizer].level,
                roster[m.organizer].cost,
                if m.cancelled { "TRUE" } else { "FALSE" },
                if m.rrule.is_some() { "TRUE" } else { "FALSE" },
                m.summary
            );
        }
    }
    csv
}

/// The person query: per person and week (Viva's weeks start on Sunday), hours in mail,
/// meetings, chat and calls, and their sum, with the HR attributes.
pub(crate) fn person_query(
    staff: &[SynthPerson],
    roster: &[RosterRow],
    channels: &ChannelSeconds,
) -> String {
    let mut csv = String::from(
        "PersonId,MetricDate,Collaboration_hours,Email_hours,Meeting_hours,Instant_message_hours,\
         Call_hours,Organization,LevelDesignation,FunctionType,TimeZone,HourlyRate\n",
    );
    let mut weeks: std::collections::BTreeMap<(usize, chrono::NaiveDate), [f64; 5]> =
        Default::default();
    for ((p, week, channel), seconds) in channels {
        let i = match *channel {
            "email" => 0,
            "meeting" => 1,
            "chat" => 2,
            "call" => 3,
            _ => 4,
        };
        weeks.entry((*p, *week)).or_default()[i] += seconds / 3600.0;
    }
    // Call hours are every call's; collaboration hours count a meeting's own call once, as
    // the meeting (Viva's collaboration hours take overlapping activities once).
    for ((p, monday), [email, meeting, chat, call, call_in_meeting]) in weeks {
        let person = &staff[p];
        let _ = writeln!(
            csv,
            "{},{},{},{email},{meeting},{chat},{},{},{},{},{},{}",
            viva_id(&person.address),
            (monday - Duration::days(1)).format("%-m/%-d/%Y"),
            email + meeting + chat + call,
            call + call_in_meeting,
            person.unit,
            roster[p].level,
            person.unit,
            windows_zone(person.tz),
            roster[p].cost
        );
    }
    csv
}
