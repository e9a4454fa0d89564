import Foundation

/// Shell globs on file names (`*.xlsx`, `payroll-?.pdf`, `[ab]*`), case- and normalization-insensitive.
enum Glob {
    /// NFC and lower case, so an NFD name matches an NFC pattern and `*.XLSX` matches `a.xlsx`.
    static func fold(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping.lowercased()
    }

    /// Whether the whole of `name` matches `pattern` (both already folded).
    static func matches(pattern: String, name: String) -> Bool {
        matches(Array(pattern), 0, Array(name), 0)
    }

    private static func matches(_ p: [Character], _ pi: Int, _ n: [Character], _ ni: Int) -> Bool {
        var pi = pi
        var ni = ni
        // Iterative matching with single-star backtracking: linear in practice, no recursion blowup.
        var starP = -1
        var starN = 0
        while ni < n.count {
            if pi < p.count {
                switch p[pi] {
                case "*":
                    starP = pi
                    starN = ni
                    pi += 1
                    continue
                case "?":
                    pi += 1
                    ni += 1
                    continue
                case "[":
                    if let (matched, next) = bracket(p, pi, n[ni]) {
                        if matched {
                            pi = next
                            ni += 1
                            continue
                        }
                    } else if n[ni] == "[" {
                        pi += 1
                        ni += 1
                        continue
                    }
                case "\\" where pi + 1 < p.count:
                    if p[pi + 1] == n[ni] {
                        pi += 2
                        ni += 1
                        continue
                    }
                default:
                    if p[pi] == n[ni] {
                        pi += 1
                        ni += 1
                        continue
                    }
                }
            }
            guard starP >= 0 else { return false }
            starN += 1
            ni = starN
            pi = starP + 1
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// `[abc]`, `[a-z]`, `[!x]`: whether `c` matches and the index after `]`; nil when unterminated.
    private static func bracket(_ p: [Character], _ start: Int, _ c: Character) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count, p[i] == "!" || p[i] == "^" {
            negate = true
            i += 1
        }
        var matched = false
        var first = true
        while i < p.count, p[i] != "]" || first {
            first = false
            if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]" {
                if p[i] <= c, c <= p[i + 2] { matched = true }
                i += 3
            } else {
                if p[i] == c { matched = true }
                i += 1
            }
        }
        guard i < p.count else { return nil }
        return (matched != negate, i + 1)
    }
}
