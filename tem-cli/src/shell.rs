//! Text as the shell reads it: commands that `tem` prints for the user to run (a rollout's
//! `tem wait rollout …`, a help example such as `--jvm-opts='-Xms128m -Xmx1g'`).

/// `text` as one shell word: as is when it is plain, else single-quoted.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '=' | ','));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
