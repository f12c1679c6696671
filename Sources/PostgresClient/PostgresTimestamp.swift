import Foundation

/// A `timestamptz` as whole microseconds since 1970-01-01 UTC: PostgreSQL's own precision,
/// which `Date` (a `Double`) cannot hold exactly.
public struct PostgresTimestamp: PostgresCodable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microsecondsSinceEpoch: Int64

    /// Creates a timestamp from microseconds since the Unix epoch.
    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// Creates a timestamp from a `Date`, rounded to the nearest microsecond.
    public init(_ date: Date) {
        microsecondsSinceEpoch = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The same instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(microsecondsSinceEpoch) / 1_000_000) }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    /// ISO-8601 in UTC with six fractional digits, which PostgreSQL reads back exactly.
    public var postgresText: String {
        let (days, micros) = microsecondsSinceEpoch.floorDivided(by: 86_400_000_000)
        let (year, month, day) = CivilDate.civil(fromDays: days)
        let seconds = micros / 1_000_000
        guard (0...9999).contains(year) else {
            return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
                + pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
                + "." + pad(micros % 1_000_000, 6) + "Z"
        }
        // Written digit by digit into 27 bytes: string padding per field cost a twelfth of
        // a first ingest.
        var bytes = [UInt8](repeating: 0, count: 27)
        func put(_ value: Int64, _ width: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[index] = UInt8(48 + value % 10)
                value /= 10
            }
        }
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
        return String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { postgresText }

    /// Reads PostgreSQL's ISO output, `YYYY-MM-DD HH:MM:SS[.f]+HH[:MM[:SS]]`.
    ///
    /// Connections set `DateStyle` to ISO, so this is the only form the server sends.
    public init(postgresText text: String) throws {
        var scanner = DigitScanner(text)
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
              let month = scanner.number(digits: 2), scanner.skip("-"),
              let day = scanner.number(digits: 2), scanner.skip(" ") || scanner.skip("T"),
              let hour = scanner.number(digits: 2), scanner.skip(":"),
              let minute = scanner.number(digits: 2), scanner.skip(":"),
              let second = scanner.number(digits: 2)
        else {
            throw PostgresError(.decoding, "expected a timestamp, got \(text.prefix(40))")
        }
        var micros: Int64 = 0
        if scanner.skip(".") {
            var scale: Int64 = 100_000
            while let digit = scanner.digit() {
                micros += Int64(digit) * scale
                scale /= 10
            }
        }
        var offsetSeconds: Int64 = 0
        if !scanner.skip("Z"), let sign = scanner.sign() {
            guard let hours = scanner.number(digits: 2) else {
                throw PostgresError(.decoding, "bad zone offset in \(text.prefix(40))")
            }
            var offset = Int64(hours) * 3600
            if scanner.skip(":"), let minutes = scanner.number(digits: 2) { offset += Int64(minutes) * 60 }
            if scanner.skip(":"), let seconds = scanner.number(digits: 2) { offset += Int64(seconds) }
            offsetSeconds = sign * offset
        }
        guard scanner.atEnd else {
            throw PostgresError(.decoding, "unexpected text after the timestamp \(text.prefix(40))")
        }
        let days = CivilDate.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - offsetSeconds
        microsecondsSinceEpoch = seconds * 1_000_000 + micros
    }
}

extension Date: PostgresCodable {
    public var postgresText: String { PostgresTimestamp(self).postgresText }
    public init(postgresText: String) throws {
        self = try PostgresTimestamp(postgresText: postgresText).date
    }
}

private func pad<T: BinaryInteger>(_ value: T, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

extension Int64 {
    /// Floor division with a non-negative remainder, for instants before 1970.
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = self / divisor
        var remainder = self % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's days-from-civil).
enum CivilDate {
    /// Days since 1970-01-01 of a calendar date.
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date of a day count since 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Reads fixed-width digits and separators from ASCII text.
struct DigitScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { index == bytes.count }

    mutating func digit() -> Int? {
        guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
        defer { index += 1 }
        return Int(bytes[index] - 48)
    }

    mutating func number(digits: Int) -> Int? {
        var value = 0
        for _ in 0..<digits {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    mutating func skip(_ character: Character) -> Bool {
        guard index < bytes.count, let ascii = character.asciiValue, bytes[index] == ascii else { return false }
        index += 1
        return true
    }

    /// `+1` or `-1` for a sign, consumed; `nil` when there is none.
    mutating func sign() -> Int64? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }
}
