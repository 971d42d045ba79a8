//! The export formats `wecon ingest` reads, for `wecon sources` and the documentation.

/// One supported format.
#[derive(Debug, Clone, Copy)]
pub struct Format {
    /// The `format` value in the ingest log.
    pub name: &'static str,
    pub what: &'static str,
    /// How wecon recognises it (by content first, extension where the content is ambiguous).
    pub recognised_by: &'static str,
    /// What becomes one record (accepted or rejected in the ingest log).
    pub record: &'static str,
    pub example: &'static str,
}

/// Every format, in the order `wecon sources` lists them.
pub const FORMATS: &[Format] = &[
    Format {
        name: "maildir",
        what: "Maildir trees, Enron-style mail folder trees, folders of .eml files",
        recognised_by: "cur/new/inbox/sent... folders, or files that open with mail headers",
        record: "one message file",
        example: "wecon ingest maildir/ --out ds",
    },
    Format {
        name: "mbox",
        what: "mbox files (mboxo/mboxrd, Content-Length, CRLF), Google Takeout mail",
        recognised_by: "first line `From `, or .mbox/.mbx",
        record: "one message",
        example: "wecon ingest 'All mail Including Spam and Trash.mbox' --out ds",
    },
    Format {
        name: "pst",
        what: "Outlook personal folders, converted with readpst (pst-utils)",
        recognised_by: ".pst",
        record: "one message (logged as file.pst!/folder)",
        example: "wecon ingest mailbox.pst --out ds",
    },
    Format {
        name: "ics",
        what: "iCalendar files: Outlook, Exchange, Google, Apple, Thunderbird exports",
        recognised_by: "BEGIN:VCALENDAR, or .ics/.ical/.ifb",
        record: "one VEVENT (expanded into its occurrences)",
        example: "wecon ingest calendars/ --out ds --since 2024-01-01 --until 2024-07-01",
    },
    Format {
        name: "ics_invite",
        what: "meeting invitations in mail (text/calendar parts)",
        recognised_by: "a text/calendar or application/ics part in a message",
        record: "one VEVENT of an invitation",
        example: "wecon ingest maildir/ --out ds",
    },
    Format {
        name: "slack",
        what: "Slack workspace exports, folder or .zip",
        recognised_by: "users.json beside channels.json/groups.json/mpims.json/dms.json",
        record: "one message of a day file",
        example: "wecon ingest 'Slack export Jan 1 2024 - Jun 30 2024.zip' --out ds",
    },
    Format {
        name: "teams",
        what: "Microsoft Teams chat and channel messages from Microsoft Graph (chatMessage)",
        recognised_by: "JSON with messageType and createdDateTime (a Graph page, array or lines)",
        record: "one message",
        example: "wecon ingest teams-chats/ --out ds",
    },
    Format {
        name: "teams_calls",
        what: "Microsoft Teams call records from Microsoft Graph (callRecord with sessions)",
        recognised_by: "JSON with sessions and modalities, or a callRecords Graph page",
        record: "one participant of a call (first join to last leave)",
        example: "wecon ingest call-records/ --out ds",
    },
    Format {
        name: "google_chat",
        what: "Google Chat conversations from Google Takeout (or the Workspace data export)",
        recognised_by: "Google Chat/Groups/<conversation>/messages.json beside group_info.json",
        record: "one message (a conversation in several members' exports counted once)",
        example: "wecon ingest takeout-alice.zip takeout-bob.zip --out ds",
    },
    Format {
        name: "mattermost",
        what: "Mattermost bulk exports (JSON lines)",
        recognised_by: "a first line {\"type\": \"version\", ...}",
        record: "one post, reply or direct post",
        example: "wecon ingest mattermost_export.jsonl --out ds",
    },
    Format {
        name: "m365_audit",
        what: "Microsoft 365 unified audit log (Management API JSON, portal CSV)",
        recognised_by: "JSON records with CreationTime and Operation, or a CSV with AuditData",
        record: "one audit record",
        example: "wecon ingest AuditLog_2024-01-01_2024-01-31.csv --out ds",
    },
    Format {
        name: "google_reports",
        what: "Google Workspace Reports API activities (Drive, Chat, Meet, ...)",
        recognised_by: "JSON with kind admin#reports#activity",
        record: "one event of an activity",
        example: "wecon ingest drive-activities.ndjson --out ds",
    },
    Format {
        name: "documents_csv",
        what: "any CSV of document activity: time, person, action, document (a DMS, a wiki)",
        recognised_by: "those columns (or aliases) in the header, or renamed with --map COLUMN=FIELD",
        record: "one row",
        example: "wecon ingest dms-log.csv --map Benutzer=person --map Zeit=time --out ds",
    },
    Format {
        name: "transactions_csv",
        what: "transaction logs: case, step, person, time (ERP, ticketing, workflow exports)",
        recognised_by: "a CSV header with case_id, step, person and time columns (or XES names)",
        record: "one row (a step of a case)",
        example: "wecon ingest invoices.csv --out ds",
    },
    Format {
        name: "ocel",
        what: "OCEL 2.0 JSON object-centric event logs",
        recognised_by: "JSON with objectTypes/eventTypes",
        record: "one event",
        example: "wecon ingest order-management.jsonocel --out ds",
    },
    Format {
        name: "viva_meetings",
        what: "Viva Insights / Workplace Analytics meeting query CSV",
        recognised_by: "a CSV header with MeetingId, StartTimeUTC and Organizer_PersonId",
        record: "one meeting",
        example: "wecon ingest mt_data.csv --out ds",
    },
    Format {
        name: "viva_person_query",
        what: "Viva Insights / Workplace Analytics person query CSV (person-week metrics)",
        recognised_by: "a CSV header with PersonId and Date (or MetricDate), no MeetingId",
        record: "one person-week row (its metrics go to imported_metrics)",
        example: "wecon ingest sq_data.csv --out ds",
    },
    Format {
        name: "roster",
        what: "HR roster CSV: email, aliases, unit, level, function, manager, fte, ...",
        recognised_by: "a CSV header with email and unit columns, or --roster",
        record: "one person",
        example: "wecon ingest exports/ --roster people.csv --out ds",
    },
    Format {
        name: "archive",
        what: ".zip, .tar.gz, .tgz and .tar archives of any of these",
        recognised_by: "the extension",
        record: "none itself: its files are logged as archive.zip!/path",
        example: "wecon ingest takeout-20240101.zip --out ds",
    },
];
