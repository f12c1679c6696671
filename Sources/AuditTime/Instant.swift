// AuditTime: the one time type of connect-audit, with its calendar, ISO-8601 writer and
// parser; a leaf module shared by the PostgreSQL client and the record.

/// A moment in time, in whole microseconds since 1970-01-01T00:00:00Z: the precision of
/// PostgreSQL's `timestamptz`, kept exactly (a `Date` is a `Double` and would round).
package struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since the Unix epoch, UTC.
    package var microsecondsSinceEpoch: Int64

    /// Creates an instant from microseconds since the Unix epoch.
    package init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// The instants connect-audit accepts from any input: 0001-01-01T00:00:00Z through
    /// 9999-12-31T23:59:59.999999Z. PostgreSQL's `timestamptz` holds more, but the ISO-8601
    /// writer (four-digit years) and every reader of the history share this range, so a
    /// value outside it is refused where it is read (with its file, line and field) instead
    /// of being committed and breaking `verify`, `state` and every later ingest.
    package static let validRange: ClosedRange<Instant> =
        Instant(microsecondsSinceEpoch: -62_135_596_800_000_000)...Instant(microsecondsSinceEpoch: 253_402_300_799_999_999)

    /// Creates an instant from microseconds, or `nil` outside `validRange`.
    package init?(checkedMicroseconds micros: Int64) {
        let instant = Instant(microsecondsSinceEpoch: micros)
        guard Instant.validRange.contains(instant) else { return nil }
        self = instant
    }

    /// Creates an instant from Unix epoch seconds, rounded to the nearest microsecond
    /// (AWS CLI v1 prints `LastModifiedTime` as a float: rounding, never truncating);
    /// `nil` when not finite or outside `validRange` (epoch milliseconds given as seconds).
    package init?(epochSeconds: Double) {
        let micros = (epochSeconds * 1_000_000).rounded()
        guard micros.isFinite, abs(micros) < 9.2e18 else { return nil }
        self.init(checkedMicroseconds: Int64(micros))
    }

    /// Creates an instant from Unix epoch milliseconds (the DDSQL API's timestamps), rounded
    /// to the nearest microsecond; `nil` when not finite or outside `validRange`.
    package init?(epochMilliseconds: Double) {
        let micros = (epochMilliseconds * 1_000).rounded()
        guard micros.isFinite, abs(micros) < 9.2e18 else { return nil }
        self.init(checkedMicroseconds: Int64(micros))
    }

    /// This instant moved by `micros`, or `nil` when that leaves `validRange` (no overflow trap).
    package func adding(microseconds micros: Int64) -> Instant? {
        let (sum, overflow) = microsecondsSinceEpoch.addingReportingOverflow(micros)
        return overflow ? nil : Instant(checkedMicroseconds: sum)
    }

    package static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    private static let microsecondsPerDay: Int64 = 86_400_000_000

    /// The UTC day this instant falls on, counted from 1970-01-01 (day 0; earlier days are
    /// negative).
    package var daysSinceEpoch: Int64 {
        let days = microsecondsSinceEpoch / Self.microsecondsPerDay
        return microsecondsSinceEpoch % Self.microsecondsPerDay < 0 ? days - 1 : days
    }

    /// ISO-8601 in UTC with six fractional digits: `2026-11-20T14:03:27.512000Z`, which
    /// PostgreSQL reads back exactly. Written digit by digit into 27 bytes (padding each
    /// field as a string cost a twelfth of a first ingest); a year outside 0...9999 (never
    /// from the readers: see `validRange`) is written with as many digits as it has.
    package var iso8601: String {
        let days = daysSinceEpoch
        let micros = microsecondsSinceEpoch - days * Self.microsecondsPerDay
        let (year, month, dayOfMonth) = Calendar.civil(fromDays: days)
        let seconds = micros / 1_000_000
        guard (0...9999).contains(year) else {
            return String(year) + "-" + digits(month, 2) + "-" + digits(dayOfMonth, 2)
                + "T" + digits(seconds / 3600, 2) + ":" + digits(seconds / 60 % 60, 2) + ":" + digits(seconds % 60, 2)
                + "." + digits(micros % 1_000_000, 6) + "Z"
        }
        return String(unsafeUninitializedCapacity: 27) { bytes in
            Self.put(year: year, month: month, day: dayOfMonth, micros: micros, into: bytes)
            return 27
        }
    }

    /// Appends `iso8601`'s bytes to `out`, without a `String` between.
    package func writeISO8601(into out: inout [UInt8]) {
        let days = daysSinceEpoch
        let micros = microsecondsSinceEpoch - days * Self.microsecondsPerDay
        let (year, month, dayOfMonth) = Calendar.civil(fromDays: days)
        guard (0...9999).contains(year) else { return out.append(contentsOf: iso8601.utf8) }
        let count = out.count
        out.append(contentsOf: repeatElement(0, count: 27))
        out.withUnsafeMutableBufferPointer { bytes in
            Self.put(year: year, month: month, day: dayOfMonth, micros: micros,
                     into: UnsafeMutableBufferPointer(rebasing: bytes[count..<(count + 27)]))
        }
    }

    /// The 27 bytes of `iso8601` of a year in 0...9999, written digit by digit.
    private static func put(year: Int64, month: Int64, day: Int64, micros: Int64, into bytes: UnsafeMutableBufferPointer<UInt8>) {
        func put(_ value: Int64, _ width: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[index] = UInt8(48 + value % 10)
                value /= 10
            }
        }
        let seconds = micros / 1_000_000
        put(year, 4, at: 0)
        bytes[4] = UInt8(ascii: "-")
        put(month, 2, at: 5)
        bytes[7] = UInt8(ascii: "-")
        put(day, 2, at: 8)
        bytes[10] = UInt8(ascii: "T")
        put(seconds / 3600, 2, at: 11)
        bytes[13] = UInt8(ascii: ":")
        put(seconds / 60 % 60, 2, at: 14)
        bytes[16] = UInt8(ascii: ":")
        put(seconds % 60, 2, at: 17)
        bytes[19] = UInt8(ascii: ".")
        put(micros % 1_000_000, 6, at: 20)
        bytes[26] = UInt8(ascii: "Z")
    }

    package var description: String { iso8601 }

    /// `2026-11-20 14:03Z`: to the minute, for people reading reports and histories.
    package var minuteText: String {
        let iso = iso8601
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(5)) + "Z"
    }

    /// Parses every timestamp form of DESIGN §1, and PostgreSQL's ISO output:
    /// - ISO-8601 with `Z` or an offset (`+02:00`, `+0200`, `+02`, `+05:53:28`), `T` or a space
    ///   between date and time, with or without fractional seconds;
    /// - `YYYY-MM-DD HH:MM:SS[.ffffff]` without a zone, taken as UTC (DDSQL's `timestamp`);
    /// - a bare date `YYYY-MM-DD`, taken as midnight UTC.
    /// More than six fractional digits round to the nearest microsecond.
    /// - Returns: `nil` when the text is none of these, names an impossible date, or lies
    ///   outside `validRange` (after rounding and the offset: `9999-12-31T23:59:59.9999999Z`
    ///   rounds into the year 10000).
    package init?(parsing text: String) {
        var text = text
        guard let micros = text.withUTF8({ Instant.parse($0) }) else { return nil }
        self.init(checkedMicroseconds: micros)
    }

    /// `init?(parsing:)` of UTF-8 bytes.
    package init?(parsingUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let micros = Instant.parse(bytes) else { return nil }
        self.init(checkedMicroseconds: micros)
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var cursor = bytes.startIndex
        let end = bytes.endIndex
        func number(_ count: Int) -> Int? {
            guard end - cursor >= count else { return nil }
            var value = 0
            for _ in 0..<count {
                let byte = bytes[cursor]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
                cursor += 1
            }
            return value
        }
        func take(_ ascii: UInt8) -> Bool {
            guard cursor < end, bytes[cursor] == ascii else { return false }
            cursor += 1
            return true
        }
        guard let year = number(4), take(45), let month = number(2), take(45), let day = number(2),
              (1...12).contains(month), day >= 1, day <= Calendar.daysIn(month: month, year: year)
        else { return nil }
        var micros = Calendar.days(year: year, month: month, day: day) * 86_400_000_000
        if cursor == end { return micros }
        guard take(84) || take(32) || take(116),  // "T", " " or "t"
              let hour = number(2), take(58), let minute = number(2), take(58), let second = number(2),
              hour < 24, minute < 60, second < 60
        else { return nil }
        micros += Int64(hour * 3600 + minute * 60 + second) * 1_000_000
        if take(46) || take(44) {  // "." or ","
            var fraction: Int64 = 0
            var scale: Int64 = 100_000
            var roundUp = false
            var digitCount = 0
            while cursor < end, bytes[cursor] >= 48, bytes[cursor] <= 57 {
                let digit = Int64(bytes[cursor] - 48)
                if digitCount < 6 {
                    fraction += digit * scale
                    scale /= 10
                } else if digitCount == 6 {
                    roundUp = digit >= 5
                }
                digitCount += 1
                cursor += 1
            }
            guard digitCount > 0 else { return nil }
            micros += fraction + (roundUp ? 1 : 0)
        }
        if cursor == end || take(90) || take(122) {  // no zone: UTC; "Z" or "z"
            return cursor == end ? micros : nil
        }
        let sign: Int64
        if take(43) { sign = 1 } else if take(45) { sign = -1 } else { return nil }
        guard let offsetHours = number(2), offsetHours < 24 else { return nil }
        var offsetMinutes = 0
        var offsetSeconds = 0
        if cursor < end {
            let colon = take(58)
            guard let minutes = number(2), minutes < 60 else { return nil }
            offsetMinutes = minutes
            // Seconds in an offset: PostgreSQL prints them for zones of local mean time.
            if colon, take(58) {
                guard let seconds = number(2), seconds < 60 else { return nil }
                offsetSeconds = seconds
            }
        }
        guard cursor == end else { return nil }
        return micros - sign * Int64(offsetHours * 3600 + offsetMinutes * 60 + offsetSeconds) * 1_000_000
    }
}

private func digits(_ value: Int64, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// Proleptic Gregorian calendar arithmetic on day counts since 1970-01-01: the one
/// calendar of connect-audit (the PostgreSQL client encodes `Instant` with it too).
enum Calendar {
    /// Days since 1970-01-01 of a calendar date (Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let shiftedYear = Int64(month <= 2 ? year - 1 : year)
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        return era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
    }

    /// The calendar date of a day count since 1970-01-01 (Hinnant's civil_from_days).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfYear - (153 * monthIndex + 2) / 5 + 1)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
