/// Splits CSV text into records (RFC 4180), remembering the line each record starts on.
///
/// Spreadsheet exports quote fields holding commas, quotes (doubled) and even line breaks, so a
/// record is not always one line: the line kept is the one a person sees first in an editor.
struct ScopeCSVReader {
    struct Record: Equatable {
        /// 1-based line where the record starts.
        var line: Int
        var fields: [String]

        /// Whether every field is empty or whitespace (a blank line, or a row of bare commas).
        var isBlank: Bool { fields.allSatisfy { $0.trimmedScopeField.isEmpty } }
    }

    struct UnterminatedQuote: Error, Equatable {
        /// Line where the quoted field opened.
        var line: Int
    }

    /// Every record of `text` (a leading byte-order mark is ignored); blank records included.
    static func records(_ text: String) throws(UnterminatedQuote) -> [Record] {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var quoted = false
        var quoteLine = 1
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar?

        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
        }
        func endRecord() {
            endField()
            records.append(Record(line: recordLine, fields: fields))
            fields = []
        }

        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                switch scalar {
                case "\"":
                    let next = iterator.next()
                    if next == "\"" {
                        field.append("\"")
                    } else {
                        quoted = false
                        pending = next
                    }
                case "\r":
                    // CRLF inside a quoted field counts as one line break.
                    let next = iterator.next()
                    if next != "\n" { pending = next }
                    field.append("\n")
                    line += 1
                case "\n":
                    field.append("\n")
                    line += 1
                default:
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where String(field).trimmedScopeField.isEmpty:
                // A quote opens a quoted field only at its start (spaces before it are dropped).
                field = String.UnicodeScalarView()
                quoted = true
                quoteLine = line
            case ",":
                endField()
            case "\r", "\n":
                if scalar == "\r" {
                    let next = iterator.next()
                    if next != "\n" { pending = next }
                }
                endRecord()
                line += 1
                recordLine = line
            default:
                field.append(scalar)
            }
        }
        if quoted { throw UnterminatedQuote(line: quoteLine) }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}

extension String {
    /// The field without surrounding spaces and tabs (what a person meant to type).
    var trimmedScopeField: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
