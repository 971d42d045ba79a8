//! An mbox reader that streams messages with their byte offsets.
//!
//! mail-parser's own mbox iterator cannot honour `Content-Length`, skip a byte-order mark or
//! say where a message starts, and a user checking a rejected record needs that offset. This
//! reader:
//!
//! - splits at every line starting with `From ` (as Python's `mailbox`, mutt and MimeKit do),
//!   so unescaped `From ` lines in bodies start a new record, which is then logged;
//! - honours a `Content-Length` header when it lands exactly on the next `From ` line or the
//!   end of the file (Solaris/SysV and Netscape mboxes), and ignores it otherwise;
//! - undoes mboxrd/mboxo quoting (`>From ` and `>>From ` lose one `>`);
//! - reads LF and CRLF files and a leading UTF-8 byte-order mark;
//! - keeps at most [`MAX_MESSAGE`] bytes of one message, so memory stays bounded whatever the
//!   file holds, and says when it cut one short.

use std::io::{BufRead, Seek, SeekFrom};

/// The most bytes of one message kept in memory; the rest is read past.
pub(crate) const MAX_MESSAGE: usize = 64 << 20;

/// One message of an mbox file.
#[derive(Debug)]
pub(crate) struct MboxMessage {
    /// Byte offset of the message's `From ` line (of its first byte when the file does not
    /// start with one).
    pub offset: u64,
    /// The `From ` line (none for what precedes the first one), whose date
    /// ([`envelope_date`]) stands in for a missing Date header: read only then, by the
    /// parser, not for every message by the thread that splits the file.
    pub envelope: Option<Vec<u8>>,
    /// The message, unquoted; at most [`MAX_MESSAGE`] bytes.
    pub bytes: Vec<u8>,
    /// The message was longer than [`MAX_MESSAGE`] and was cut.
    pub truncated: bool,
}

/// Streams the messages of an mbox file.
pub(crate) struct MboxReader<R> {
    reader: R,
    /// Offset of the next byte `reader` yields.
    pos: u64,
    /// The `From ` line that starts the next message, with its offset.
    pending: Option<(u64, Vec<u8>)>,
    started: bool,
    line: Vec<u8>,
}

impl<R: BufRead + Seek> MboxReader<R> {
    pub fn new(reader: R) -> Self {
        MboxReader {
            reader,
            pos: 0,
            pending: None,
            started: false,
            line: Vec::with_capacity(256),
        }
    }

    /// The reader, where the last message ended.
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// Reads one line (newline included) into `self.line`, keeping at most `cap` bytes of it
    /// but consuming all of it. Returns the bytes consumed (0 at the end of the file).
    fn read_line(&mut self, cap: usize) -> std::io::Result<usize> {
        self.line.clear();
        let mut consumed = 0;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            let (take, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let room = cap.saturating_sub(self.line.len()).min(take);
            self.line.extend_from_slice(&buf[..room]);
            self.reader.consume(take);
            consumed += take;
            if done {
                break;
            }
        }
        self.pos += consumed as u64;
        Ok(consumed)
    }

    /// Reads the next line into `self.line`: true for a line of the current message; false at
    /// the end of the file or at a `From ` line, which is kept as the next message's start.
    fn message_line(&mut self) -> std::io::Result<bool> {
        let at = self.pos;
        if self.read_line(MAX_MESSAGE)? == 0 {
            return Ok(false);
        }
        if self.line.starts_with(b"From ") {
            self.pending = Some((at, std::mem::take(&mut self.line)));
            return Ok(false);
        }
        Ok(true)
    }

    /// Reads up to the first `From ` line; whatever precedes it (other than blank lines and
    /// a byte-order mark) is returned as a record of its own so that it is accounted for.
    fn start(&mut self) -> std::io::Result<Option<MboxMessage>> {
        self.started = true;
        if self.reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            self.reader.consume(3);
            self.pos = 3;
        }
        let offset = self.pos;
        let mut preamble = Vec::new();
        let mut truncated = false;
        while self.message_line()? {
            truncated |= !push_capped(&mut preamble, &self.line);
        }
        let blank = preamble.iter().all(u8::is_ascii_whitespace);
        Ok((!blank).then_some(MboxMessage {
            offset,
            envelope: None,
            bytes: preamble,
            truncated,
        }))
    }

    fn next_message(&mut self) -> std::io::Result<Option<MboxMessage>> {
        if !self.started
            && let Some(preamble) = self.start()?
        {
            return Ok(Some(preamble));
        }
        let Some((offset, from_line)) = self.pending.take() else {
            return Ok(None);
        };
        let mut msg = MboxMessage {
            offset,
            envelope: Some(from_line),
            bytes: Vec::new(),
            truncated: false,
        };
        // Headers, up to the blank line, watching for Content-Length.
        let mut content_length: Option<u64> = None;
        if self.take_lines(&mut msg, Some(&mut content_length))? != Ended::Headers {
            return Ok(Some(msg));
        }
        let body_start = self.pos;
        if let Some(n) = content_length
            && self.body_by_length(&mut msg, body_start, n)?
        {
            return Ok(Some(msg));
        }
        // The body runs to the next `From ` line.
        self.take_lines(&mut msg, None)?;
        Ok(Some(msg))
    }

    /// Appends the message's next lines to `msg`, up to the next `From ` line (kept as the
    /// next message's start) or the end of the file. With `headers`, it stops after the
    /// blank line that ends them and notes a `Content-Length`; body lines are unquoted.
    ///
    /// Whole lines are taken from the reader's buffer and copied once, a run of them at a
    /// time; a line the buffer does not hold whole is read on its own with [`Self::read_line`].
    fn take_lines(
        &mut self,
        msg: &mut MboxMessage,
        mut headers: Option<&mut Option<u64>>,
    ) -> std::io::Result<Ended> {
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(Ended::File);
            }
            // `copied..at`: lines looked at but not yet copied; `at`: the next line's start.
            let (mut copied, mut at) = (0, 0);
            let mut ended = None;
            while let Some(nl) = memchr::memchr(b'\n', &buf[at..]) {
                let line = &buf[at..at + nl + 1];
                match line_kind(line, headers.as_deref_mut()) {
                    Line::From => {
                        ended = Some(Ended::Next);
                        break;
                    }
                    Line::Blank if headers.is_some() => {
                        at += line.len();
                        ended = Some(Ended::Headers);
                        break;
                    }
                    Line::Quoted if headers.is_none() => {
                        msg.truncated |= !push_capped(&mut msg.bytes, &buf[copied..at]);
                        msg.truncated |= !push_capped(&mut msg.bytes, &line[1..]);
                        at += line.len();
                        copied = at;
                    }
                    _ => at += line.len(),
                }
            }
            msg.truncated |= !push_capped(&mut msg.bytes, &buf[copied..at]);
            self.reader.consume(at);
            self.pos += at as u64;
            match ended {
                Some(Ended::Next) => {
                    // Keeps the `From ` line as the next message's start.
                    self.message_line()?;
                    return Ok(Ended::Next);
                }
                Some(ended) => return Ok(ended),
                None if at == 0 => {
                    // The buffer holds no whole line: this one is read on its own.
                    if !self.message_line()? {
                        return Ok(if self.pending.is_some() {
                            Ended::Next
                        } else {
                            Ended::File
                        });
                    }
                    let line = std::mem::take(&mut self.line);
                    let kind = line_kind(&line, headers.as_deref_mut());
                    let kept = if kind == Line::Quoted && headers.is_none() {
                        &line[1..]
                    } else {
                        &line[..]
                    };
                    msg.truncated |= !push_capped(&mut msg.bytes, kept);
                    self.line = line;
                    if kind == Line::Blank && headers.is_some() {
                        return Ok(Ended::Headers);
                    }
                }
                None => {}
            }
        }
    }

    /// Takes a body of `n` bytes if the next thing after it (blank lines aside) is a `From `
    /// line or the end of the file; otherwise rewinds to `body_start` and says no.
    fn body_by_length(
        &mut self,
        msg: &mut MboxMessage,
        body_start: u64,
        n: u64,
    ) -> std::io::Result<bool> {
        let kept = msg.bytes.len();
        let mut left = n;
        while left > 0 {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            msg.truncated |= !push_capped(&mut msg.bytes, &buf[..take]);
            self.reader.consume(take);
            self.pos += take as u64;
            left -= take as u64;
        }
        let mut fits = left == 0;
        // Blank lines may stand between the body and the next `From ` line; anything else
        // means the length was wrong.
        while fits && self.message_line()? {
            fits = self.line == b"\n" || self.line == b"\r\n";
        }
        if !fits {
            self.pending = None;
            msg.bytes.truncate(kept);
            msg.truncated = false;
            self.reader.seek(SeekFrom::Start(body_start))?;
            self.pos = body_start;
        }
        Ok(fits)
    }
}

impl<R: BufRead + Seek> Iterator for MboxReader<R> {
    type Item = std::io::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_message().transpose()
    }
}

/// Appends `data` to `buf` up to [`MAX_MESSAGE`] bytes; false when something was cut.
fn push_capped(buf: &mut Vec<u8>, data: &[u8]) -> bool {
    let room = MAX_MESSAGE.saturating_sub(buf.len());
    buf.extend_from_slice(&data[..room.min(data.len())]);
    data.len() <= room
}

/// The value of a header line whose lower-cased name is `name` (with its colon).
fn header_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    (line.len() >= name.len() && line[..name.len()].eq_ignore_ascii_case(name))
        .then(|| &line[name.len()..])
}

/// Where [`MboxReader::take_lines`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// At the blank line that ends the headers (consumed).
    Headers,
    /// At a `From ` line, now the pending start of the next message.
    Next,
    /// At the end of the file.
    File,
}

/// What a line means to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// `From ...`: the next message starts.
    From,
    /// An empty line (LF or CRLF).
    Blank,
    /// `>From `, `>>From `, ...: in a body, kept with one `>` less (mboxrd; for mboxo the
    /// same reading is the best one).
    Quoted,
    Other,
}

/// What `line` (newline included) is; in headers (`content_length` given), a
/// `Content-Length` line's value is noted.
fn line_kind(line: &[u8], content_length: Option<&mut Option<u64>>) -> Line {
    match line.first() {
        Some(b'F') if line.starts_with(b"From ") => Line::From,
        Some(b'\n') => Line::Blank,
        Some(b'\r') if line == b"\r\n" => Line::Blank,
        Some(b'>') => {
            let quotes = line.iter().take_while(|&&b| b == b'>').count();
            if line[quotes..].starts_with(b"From ") {
                Line::Quoted
            } else {
                Line::Other
            }
        }
        Some(b'c' | b'C') => {
            if let Some(length) = content_length
                && let Some(n) = header_value(line, b"content-length:")
            {
                *length = std::str::from_utf8(n)
                    .ok()
                    .and_then(|s| s.trim().parse().ok());
            }
            Line::Other
        }
        _ => Line::Other,
    }
}

/// The date of a `From sender Www Mmm dd hh:mm:ss yyyy` line (the sender may be obfuscated
/// as `user at example.com`, a zone may stand before the year, and `remote from ...` may
/// follow), as seconds since the epoch.
pub(crate) fn envelope_date(line: &[u8]) -> Option<i64> {
    const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let text = std::str::from_utf8(line).ok()?;
    let words: Vec<&str> = text.split_whitespace().skip(1).collect();
    let start = words
        .iter()
        .position(|w| WEEKDAYS.iter().any(|d| w.eq_ignore_ascii_case(d)))?;
    let words = &words[start..];
    let (weekday, month, day, time) = (words.first()?, words.get(1)?, words.get(2)?, words.get(3)?);
    // `... 10:00:00 2024` or `... 10:00:00 +0000 2024`.
    let year = words
        .get(4..)?
        .iter()
        .find(|w| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))?;
    let s = format!("{weekday} {month} {day} {time} {year}");
    chrono::NaiveDateTime::parse_from_str(&s, "%a %b %d %H:%M:%S %Y")
        .ok()
        .map(|d| d.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(data: &[u8]) -> Vec<MboxMessage> {
        MboxReader::new(std::io::Cursor::new(data.to_vec()))
            .collect::<std::io::Result<Vec<_>>>()
            .unwrap()
    }

    /// Messages as (offset, envelope date, bytes, truncated), read through a buffer of
    /// `capacity` bytes.
    fn read_through(data: &[u8], capacity: usize) -> Vec<(u64, Option<i64>, Vec<u8>, bool)> {
        let reader = std::io::BufReader::with_capacity(capacity, std::io::Cursor::new(data));
        MboxReader::new(reader)
            .map(|m| {
                m.map(|m| {
                    (
                        m.offset,
                        m.envelope.as_deref().and_then(envelope_date),
                        m.bytes,
                        m.truncated,
                    )
                })
            })
            .collect::<std::io::Result<Vec<_>>>()
            .unwrap()
    }

    #[test]
    fn lines_split_across_the_buffer_read_as_whole_ones() {
        // Whole lines are taken from the reader's buffer, a line that straddles it on its
        // own: every buffer size must give the same messages (from 3 bytes, the most a
        // byte-order mark needs to be seen: ingest's buffers hold 1 MiB).
        let mut cases: Vec<Vec<u8>> = vec![
            b"From a@b Mon Jan  1 10:00:00 2024\nSubject: x\nContent-length: 5\n\nbody\n>From here\n>>From there\n> not quoted\n\nFrom c@d Tue Jan  2 10:00:00 +0000 2024\n\nsecond\n".to_vec(),
            b"\xEF\xBB\xBFFrom -\r\nSubject: a\r\n\r\nx\r\n>From y\r\nFrom z\r\nA: b\r\n".to_vec(),
            b"garbage\nFrom -\n\nx\nFrom -\nNo-Blank-Line: before the end".to_vec(),
            b"From x\nContent-Length: 30\n\nFrom hidden\n>From kept quoted\n\nFrom y\nSubject: two\n\nbye".to_vec(),
            b"From x\nContent-Length: 3\n\nab\nFrom y\n\nc\n".to_vec(),
        ];
        let mut long = b"From long\nSubject: ".to_vec();
        long.extend(std::iter::repeat_n(b'y', 5000));
        long.extend_from_slice(b"\n\n");
        for i in 0..200 {
            long.extend_from_slice(if i % 7 == 0 {
                b">From quoted\n"
            } else {
                b"a body line\n"
            });
        }
        long.extend_from_slice(b"From next\n\n>>>From deep\n");
        cases.push(long);
        for data in &cases {
            let whole = read_through(data, 1 << 20);
            assert!(!whole.is_empty());
            for capacity in [3, 4, 5, 8, 13, 64, 4096] {
                assert_eq!(
                    read_through(data, capacity),
                    whole,
                    "buffer of {capacity} bytes"
                );
            }
        }
        let m = read_through(&cases[0], 1 << 20);
        assert_eq!(
            m[0].2,
            b"Subject: x\nContent-length: 5\n\nbody\nFrom here\n>From there\n> not quoted\n\n"
                .to_vec()
        );
        let m = read_through(cases.last().unwrap(), 7);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].2.iter().filter(|&&b| b == b'\n').count(), 202);
        assert_eq!(m[1].2, b"\n>>From deep\n".to_vec());
    }

    #[test]
    fn splits_at_from_lines_and_unquotes() {
        let data = b"From a@b Mon Jan  1 10:00:00 2024\nSubject: x\n\nbody\n>From here\n>>From there\n\nFrom c@d Tue Jan  2 10:00:00 +0000 2024\n\nsecond\n";
        let m = read(data);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].offset, 0);
        assert_eq!(
            m[0].envelope.as_deref().and_then(envelope_date),
            Some(1_704_103_200)
        );
        assert_eq!(
            m[0].bytes,
            b"Subject: x\n\nbody\nFrom here\n>From there\n\n".to_vec()
        );
        let second = data.windows(6).rposition(|w| w == b"From c").unwrap();
        assert_eq!(m[1].offset, second as u64);
        assert_eq!(
            m[1].envelope.as_deref().and_then(envelope_date),
            Some(1_704_189_600)
        );
        let pipermail = b"From goran at domain.com  Wed Dec  1 08:26:40 2010\n";
        assert_eq!(envelope_date(pipermail), Some(1_291_192_000));
    }

    #[test]
    fn content_length_protects_from_lines_when_it_fits() {
        let body = b"From hidden\n>From kept quoted\n";
        let mut data = format!("From x\nContent-Length: {}\n\n", body.len()).into_bytes();
        data.extend_from_slice(body);
        data.extend_from_slice(b"\nFrom y\nSubject: two\n\nbye\n");
        let m = read(&data);
        assert_eq!(m.len(), 2);
        assert!(m[0].bytes.ends_with(b"From hidden\n>From kept quoted\n"));
        // A Content-Length that does not land on a `From ` line is ignored.
        let data = b"From x\nContent-Length: 3\n\nab\nFrom y\n\nc\n";
        let m = read(data);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].bytes, b"Content-Length: 3\n\nab\n".to_vec());
    }

    #[test]
    fn byte_order_mark_crlf_and_preamble() {
        let m = read(b"\xEF\xBB\xBFFrom -\r\nSubject: a\r\n\r\nx\r\n");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].offset, 3);
        assert_eq!(m[0].envelope.as_deref().and_then(envelope_date), None);
        let m = read(b"garbage\nFrom -\n\nx\n");
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].bytes, b"garbage\n".to_vec());
        assert_eq!(m[1].offset, 8);
        assert!(read(b"").is_empty());
    }
}
