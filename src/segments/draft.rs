//! A segment as the console edits it, and what a shop may save: a valid name and rule, names unique
//! without regard to case, at most [`MAX_SEGMENTS`].

use super::{MAX_SEGMENTS, Segment, SegmentId};
use crate::customers::Invalid;

/// A segment as the console edits it.
#[derive(Debug, Clone)]
pub struct SegmentDraft {
    /// The segment to change; `None` creates one.
    pub id: Option<SegmentId>,
    /// Name.
    pub name: String,
    /// Rule text.
    pub rule: String,
    /// Operator to assign members' new conversations to.
    pub route_to: Option<u64>,
    /// List members' conversations first.
    pub priority: bool,
}

impl SegmentDraft {
    /// The draft's name and rule in their stored forms, checked against the segments already defined
    /// (`list`): the name must be free (case aside) and a new segment must fit under the limit.
    pub fn check(&self, list: &[Segment]) -> Result<(String, String), Invalid> {
        let name = super::parse_name(&self.name).map_err(Invalid)?;
        let rule =
            super::parse(&self.rule).map_err(|e| Invalid(crate::msg!("rule: {0}", e.message())))?;
        let taken = list
            .iter()
            .any(|s| Some(s.id) != self.id && s.name.to_lowercase() == name.to_lowercase());
        if taken {
            return Err(Invalid(crate::msg!(
                "a segment named {0} already exists",
                format!("{name:?}")
            )));
        }
        if self.id.is_none() && list.len() >= MAX_SEGMENTS {
            return Err(Invalid(crate::msg!(
                "at most {0} segments can be defined",
                MAX_SEGMENTS
            )));
        }
        Ok((name, rule.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_SEGMENTS, Segment, SegmentDraft};

    fn segment(id: u64, name: &str) -> Segment {
        Segment {
            id,
            name: name.into(),
            rule: "visits >= 1".into(),
            route_to: None,
            priority: false,
            created_at: 0,
        }
    }

    fn draft(id: Option<u64>, name: &str, rule: &str) -> SegmentDraft {
        SegmentDraft {
            id,
            name: name.into(),
            rule: rule.into(),
            route_to: None,
            priority: false,
        }
    }

    #[test]
    fn names_are_unique_without_regard_to_case_but_a_segment_keeps_its_own() {
        let list = vec![segment(1, "VIP"), segment(2, "New")];
        assert!(draft(None, "vip", "visits >= 3").check(&list).is_err());
        assert!(draft(Some(2), " Vip ", "visits >= 3").check(&list).is_err());
        let (name, _) = draft(Some(1), " vip ", "visits >= 3").check(&list).unwrap();
        assert_eq!(name, "vip", "renaming in another case is fine");
    }

    #[test]
    fn a_bad_rule_or_one_segment_too_many_is_refused() {
        assert!(draft(None, "Odd", "visits >>= 3").check(&[]).is_err());
        let full: Vec<Segment> = (0..MAX_SEGMENTS as u64)
            .map(|i| segment(i, &format!("s{i}")))
            .collect();
        assert!(draft(None, "One more", "visits >= 1").check(&full).is_err());
        assert!(
            draft(Some(0), "Renamed", "visits >= 1")
                .check(&full)
                .is_ok(),
            "changing one at the limit is fine"
        );
    }
}
