//! Which operator a customer's new conversation goes to, by the segments they are in.

use super::{Membership, SegmentId};
use crate::store::kv::typed::{Json, TypedRead};
use crate::store::tables::OPERATORS;
use crate::store::tx::Tx;
use crate::store::{Error, membership_of, segment_routes};
use crate::visitors::VisitorId;

/// The operator a new conversation of `visitor` goes to (see [`route`]), as of this write: their
/// segments as last evaluated, the routes of the current definitions, operators who can still work.
pub(crate) fn assignee(txn: &Tx<'_>, visitor: VisitorId) -> Result<Option<u64>, Error> {
    let routes = segment_routes(txn)?;
    if routes.is_empty() {
        return Ok(None);
    }
    let membership = membership_of(txn, visitor)?;
    route(&routes, &membership, |operator| {
        Ok(txn
            .get_in(&OPERATORS, &operator)?
            .is_some_and(|Json(o)| !o.disabled))
    })
}

/// The operator a new conversation of a customer with `membership` goes to: the first route (`(segment,
/// operator)`, in segment order) whose segment they are in and whose operator may take it now (`active`:
/// an operator who was disabled is passed over for the next route). `None` when no route applies, and the
/// conversation waits unassigned.
pub fn route<E>(
    routes: &[(SegmentId, u64)],
    membership: &Membership,
    mut active: impl FnMut(u64) -> Result<bool, E>,
) -> Result<Option<u64>, E> {
    for &(segment, operator) in routes {
        if membership.segments.contains(&segment) && active(operator)? {
            return Ok(Some(operator));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::{Membership, route};

    fn member_of(segments: &[u64]) -> Membership {
        Membership {
            segments: segments.to_vec(),
            ..Membership::default()
        }
    }

    #[test]
    fn the_first_route_of_a_segment_the_customer_is_in_with_an_active_operator_wins() {
        let routes = [(1, 10), (2, 20), (3, 30)];
        let all = |_| Ok::<_, ()>(true);
        assert_eq!(route(&routes, &member_of(&[3, 2]), all), Ok(Some(20)));
        assert_eq!(route(&routes, &member_of(&[4]), all), Ok(None));
        let not_20 = |op| Ok::<_, ()>(op != 20);
        assert_eq!(route(&routes, &member_of(&[2, 3]), not_20), Ok(Some(30)));
        assert_eq!(route(&routes, &member_of(&[2]), not_20), Ok(None));
    }

    #[test]
    fn operators_outside_the_customers_segments_are_not_looked_up() {
        let mut asked = Vec::new();
        let found = route(&[(1, 10), (2, 20)], &member_of(&[2]), |op| {
            asked.push(op);
            Ok::<_, ()>(true)
        });
        assert_eq!((found, asked), (Ok(Some(20)), vec![20]));
    }
}
