//! The key that signs session tokens: from the environment, or generated once and kept in the
//! data folder (mode 0600) so that restarts do not sign everybody out.

use crate::config::Secret;
use std::io::Write;
use std::path::Path;

const FILE_NAME: &str = "jwt_secret";

pub fn load_or_create(data_dir: &Path) -> std::io::Result<Secret> {
    let path = data_dir.join(FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing.trim().len() >= 32 => return Ok(Secret::new(existing.trim())),
        Ok(_) => {
            return Err(std::io::Error::other(format!(
                "{} is shorter than 32 characters; delete it to have a new one made",
                path.display()
            )))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    file.write_all(hex.as_bytes())?;
    file.sync_all()?;
    Ok(Secret::new(hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_made_once_private_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        let second = load_or_create(dir.path()).unwrap();
        assert_eq!(first.expose(), second.expose());
        assert_eq!(first.expose().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
