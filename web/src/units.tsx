import { createContext, useCallback, useContext, useState } from 'react';
import { isUnitSystem, type UnitSystem } from '../../src/core/units.ts';

/** Where the runner's own choice of units is kept between visits. */
const CHOICE_KEY = 'stridesync:units';
/** Where the units of their Strava profile are kept, for views that do not read the connection. */
const STRAVA_KEY = 'stridesync:strava-units';

const UnitsContext = createContext<UnitSystem>('metric');
export const UnitsProvider = UnitsContext.Provider;
const LearnContext = createContext<(system: UnitSystem | null) => void>(() => undefined);
export const LearnStravaUnitsProvider = LearnContext.Provider;

/** The units every figure on the page is written in. */
export function useUnits(): UnitSystem {
  return useContext(UnitsContext);
}

/** Tells the page the units of the runner's Strava profile (from the connection it already read). */
export function useLearnStravaUnits(): (system: UnitSystem | null) => void {
  return useContext(LearnContext);
}

/**
 * The units the page shows: the runner's own choice (remembered in this browser), else their
 * Strava profile's, else metric. Both are read once, at the first render, and nothing is fetched
 * for them: a fresh browser starts metric with nothing to wait for, and the Strava preference
 * arrives with the connection the dashboard reads anyway.
 */
export function useUnitChoice() {
  const [choice, setChoice] = useState<UnitSystem | null>(() => read(CHOICE_KEY));
  const [strava, setStrava] = useState<UnitSystem | null>(() => read(STRAVA_KEY));
  const choose = useCallback((system: UnitSystem) => {
    setChoice(system);
    write(CHOICE_KEY, system);
  }, []);
  const learn = useCallback((system: UnitSystem | null) => {
    // The same value again changes no state, so re-learning it renders nothing.
    setStrava(system);
    write(STRAVA_KEY, system);
  }, []);
  return { units: choice ?? strava ?? 'metric', choose, learn } as const;
}

function read(key: string): UnitSystem | null {
  try {
    const stored = localStorage.getItem(key);
    return isUnitSystem(stored) ? stored : null;
  } catch {
    return null;
  }
}

function write(key: string, system: UnitSystem | null): void {
  try {
    if (system) localStorage.setItem(key, system);
    else localStorage.removeItem(key);
  } catch {
    // Storage refused (a private window's quota): the units last until the page closes.
  }
}
