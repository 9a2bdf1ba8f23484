import { updateArtifact } from './artifacts';

/*
 * For the lead's report, test/artifacts/role-boundaries.json: how many access boundaries a
 * run checked, and how many held. Each access spec counts its own kind of check.
 */

const REPORT = 'role-boundaries.json';
const KINDS = [
  'roleBoundaries',
  'csrfCases',
  'sameOriginCases',
  'pathVariants',
  'sessionChecks',
] as const;
type CheckKind = (typeof KINDS)[number];

interface RouteTable {
  routes: number;
  callers: number;
  cells: number;
}

/**
 * Counts this spec's checks of one kind and, after its tests, writes them into the report
 * next to the other specs' counts. Returns `checking`: call it as a check starts, and what it
 * returns once all the check's assertions have held.
 */
export function countChecks(kind: CheckKind, table?: RouteTable): () => () => void {
  const tally = { checked: 0, passed: 0 };
  afterAll(() => {
    updateArtifact(REPORT, (current) => ({
      table: table ?? current.table,
      ...Object.fromEntries(
        KINDS.map((each) => [
          each,
          each === kind ? tally : (current[each] ?? { checked: 0, passed: 0 }),
        ]),
      ),
    }));
  });
  return () => {
    tally.checked += 1;
    return () => {
      tally.passed += 1;
    };
  };
}
