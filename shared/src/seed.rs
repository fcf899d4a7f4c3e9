//! Names for seeded people (`server seed-users`): made of a few syllables, so that searching
//! for any three to six letters of them finds a realistic handful among many thousands.

pub const SYLLABLES: [&str; 20] = [
    "ka", "lo", "mi", "ne", "ra", "su", "ti", "vo", "ze", "ba", "de", "fi", "go", "hu", "ja", "ke",
    "li", "mo", "nu", "pa",
];

/// The display name of seeded person `i`; different for every `i` below 20^8.
pub fn name(i: u64) -> String {
    let word = |mut n: u64| {
        let mut w = String::new();
        for _ in 0..4 {
            w.push_str(SYLLABLES[(n % 20) as usize]);
            n /= 20;
        }
        let mut chars = w.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    };
    // The second word moves on at another pace, so first and last names combine freely.
    format!(
        "{} {}",
        word(i % 160_000),
        word((i / 160_000) * 7919 + i * 31 % 160_000)
    )
}

/// The email of seeded person `i`; `.invalid` never delivers anywhere.
pub fn email(i: u64) -> String {
    format!("seed-{i}@seed.invalid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differ_and_read_well() {
        let names: std::collections::HashSet<String> = (0..200_000).map(name).collect();
        assert_eq!(names.len(), 200_000);
        assert_eq!(name(0), "Kakakaka Kakakaka");
        assert!(name(21).starts_with("Lolokaka "));
    }
}
