//! A segment as the console edits it, and what a shop may save: a valid name and rule, names unique
//! without regard to case, at most [`MAX_SEGMENTS`]; score rules that parse, at most [`MAX_SCORE_RULES`].

use super::{MAX_SCORE_RULES, MAX_SEGMENTS, ScoreRule, Segment, SegmentId};
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

/// Intent-score rules as they are stored: each parsed and written in its normal form, at most
/// [`MAX_SCORE_RULES`]; the first that does not parse is named in the error.
pub fn check_score_rules(rules: Vec<ScoreRule>) -> Result<Vec<ScoreRule>, Invalid> {
    if rules.len() > MAX_SCORE_RULES {
        return Err(Invalid(crate::msg!(
            "at most {0} score rules can be defined",
            MAX_SCORE_RULES
        )));
    }
    rules
        .into_iter()
        .enumerate()
        .map(|(i, r)| match super::parse_score_rule(&r.rule) {
            Ok(rule) => Ok(ScoreRule {
                rule: rule.to_string(),
                points: r.points,
            }),
            Err(e) => Err(Invalid(crate::msg!(
                "score rule {0}: {1}",
                i + 1,
                e.message()
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{
        MAX_SCORE_RULES, MAX_SEGMENTS, ScoreRule, Segment, SegmentDraft, check_score_rules,
    };

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

    #[test]
    fn score_rules_are_stored_in_normal_form_and_a_bad_one_is_named() {
        let rule = |text: &str| ScoreRule {
            rule: text.into(),
            points: 5,
        };
        let checked = check_score_rules(vec![rule("visits   >=   3")]).unwrap();
        assert_eq!(checked, vec![rule("visits >= 3")]);
        let bad = check_score_rules(vec![rule("visits >= 3"), rule("visits >>= 3")]);
        assert!(bad.unwrap_err().0.to_string().contains("score rule 2"));
        assert!(check_score_rules(vec![rule("visits >= 1"); MAX_SCORE_RULES + 1]).is_err());
        assert!(check_score_rules(vec![rule("visits >= 1"); MAX_SCORE_RULES]).is_ok());
    }
}
