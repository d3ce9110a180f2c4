//! Browser, OS and device category from the widget's User-Agent, parsed with Project Woothee's maintained
//! rules, for "the button does not work" conversations.

use serde::{Deserialize, Serialize};

/// What the User-Agent says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Browser and version (`Chrome 120.0.0.0`).
    pub browser: String,
    /// Operating system and version (`Mac OSX 10.15.7`).
    pub os: String,
    /// `pc`, `smartphone`, `mobilephone`, `appliance`, `crawler` or `UNKNOWN`.
    pub category: String,
}

impl Device {
    /// Parses a User-Agent header; `None` when it is empty.
    pub fn from_user_agent(user_agent: &str) -> Option<Device> {
        let user_agent: String = user_agent.chars().take(1_000).collect();
        if user_agent.trim().is_empty() {
            return None;
        }
        let parsed = woothee::parser::Parser::new().parse(&user_agent)?;
        let join = |name: &str, version: &str| {
            if version.is_empty() || version == "UNKNOWN" {
                name.to_owned()
            } else {
                format!("{name} {version}")
            }
        };
        Some(Device {
            browser: join(parsed.name, parsed.version),
            os: join(parsed.os, &parsed.os_version),
            category: parsed.category.to_owned(),
        })
    }

    /// One line for the card: `Chrome 120 · Linux · pc`.
    pub fn summary(&self) -> String {
        format!("{} · {} · {}", self.browser, self.os, self.category)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iphone_and_a_desktop_chrome_are_told_apart() {
        let phone = Device::from_user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1").unwrap();
        assert_eq!(phone.category, "smartphone");
        assert!(phone.os.starts_with("iPhone"), "{phone:?}");
        let desktop = Device::from_user_agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36").unwrap();
        assert!(desktop.browser.starts_with("Chrome"), "{desktop:?}");
        assert_eq!(desktop.os, "Linux");
        assert_eq!(desktop.category, "pc");
        assert!(Device::from_user_agent("  ").is_none());
    }
}
