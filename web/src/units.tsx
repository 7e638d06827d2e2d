import { createContext, useCallback, useContext, useState } from 'react';
import { isUnitSystem, type UnitSystem } from '../../src/core/units.ts';

/** Where the runner's choice of units is kept between visits. */
const STORAGE_KEY = 'stridesync:units';

const UnitsContext = createContext<UnitSystem>('metric');
export const UnitsProvider = UnitsContext.Provider;

/** The units every figure on the page is written in. */
export function useUnits(): UnitSystem {
  return useContext(UnitsContext);
}

/**
 * The runner's own choice (remembered in this browser), or null when they have made none: then
 * the page follows their Strava preference, or metric. Read once, at the first render, and never
 * fetched: a fresh browser starts with nothing stored and nothing to wait for.
 */
export function useUnitChoice(): [UnitSystem | null, (system: UnitSystem) => void] {
  const [choice, setChoice] = useState<UnitSystem | null>(readChoice);
  const choose = useCallback((system: UnitSystem) => {
    setChoice(system);
    try {
      localStorage.setItem(STORAGE_KEY, system);
    } catch {
      // Storage refused (a private window's quota): the choice lasts until the page closes.
    }
  }, []);
  return [choice, choose];
}

function readChoice(): UnitSystem | null {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return isUnitSystem(stored) ? stored : null;
  } catch {
    return null;
  }
}
