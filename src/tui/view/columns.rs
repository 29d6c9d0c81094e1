//! Responsive tables: each column has a width and a priority; the least
//! important columns are dropped until the rest fit, so the same table reads
//! well at 80 and at 200 columns.

use ratatui::layout::Constraint;

/// Smallest width a flexible column is given.
const FLEX_MIN: u16 = 12;

/// One column: `width` 0 means "takes the remaining space"; a lower `prio`
/// is kept longer.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub title: &'static str,
    pub width: u16,
    pub prio: u8,
}

impl Col {
    pub const fn new(title: &'static str, width: u16, prio: u8) -> Self {
        Self { title, width, prio }
    }

    fn min(&self) -> u16 {
        if self.width == 0 {
            FLEX_MIN
        } else {
            self.width
        }
    }

    fn constraint(&self) -> Constraint {
        if self.width == 0 {
            Constraint::Fill(1)
        } else {
            Constraint::Length(self.width)
        }
    }
}

/// Indices of the columns to show within `avail` cells, in table order.
pub fn fit(cols: &[Col], avail: u16, spacing: u16) -> Vec<usize> {
    let mut keep: Vec<usize> = (0..cols.len()).collect();
    loop {
        let need: u16 = keep
            .iter()
            .map(|&i| cols[i].min())
            .sum::<u16>()
            .saturating_add(spacing.saturating_mul(keep.len().saturating_sub(1) as u16));
        if need <= avail || keep.len() <= 1 {
            return keep;
        }
        // Drop the least important; among equals the rightmost.
        let worst = keep
            .iter()
            .enumerate()
            .max_by_key(|(pos, i)| (cols[**i].prio, *pos))
            .map(|(pos, _)| pos)
            .unwrap_or(0);
        keep.remove(worst);
    }
}

/// Width constraints of the kept columns.
pub fn constraints(cols: &[Col], keep: &[usize]) -> Vec<Constraint> {
    keep.iter().map(|&i| cols[i].constraint()).collect()
}

/// Keeps the cells of the kept columns.
pub fn pick<T: Clone>(cells: &[T], keep: &[usize]) -> Vec<T> {
    keep.iter().filter_map(|&i| cells.get(i).cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_least_important_first() {
        let cols = [
            Col::new("a", 10, 0),
            Col::new("b", 10, 2),
            Col::new("c", 0, 1),
            Col::new("d", 10, 2),
        ];
        assert_eq!(fit(&cols, 100, 1), vec![0, 1, 2, 3]);
        assert_eq!(fit(&cols, 40, 1), vec![0, 1, 2]);
        assert_eq!(fit(&cols, 30, 1), vec![0, 2]);
        assert_eq!(fit(&cols, 5, 1), vec![0]);
    }
}
