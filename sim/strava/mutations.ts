import type { Clock } from '../../src/core/clock.ts';
import { makeActivity } from './activity-factory.ts';
import { activityIdAt } from './activity-ids.ts';
import { placeNamed } from './athlete-generator.ts';
import type { Random } from './random.ts';
import { canReadActivities } from './scopes.ts';
import { findLiveActivity, insertActivity, repositionActivity, type World } from './state.ts';
import type { TokenStore } from './tokens.ts';
import type { SimActivity } from './types.ts';
import type { WebhookEvent, Webhooks } from './webhooks.ts';

/**
 * Changes to the world over time, each with the webhook events Strava would send:
 * - create → `create`; delete → `delete`; deauthorization → athlete `update` with
 *   `{"authorized":"false"}`;
 * - edit → `update` only when the title, the type or the privacy changed, with those keys
 *   (the only update keys Strava documents). Any other edit (distance, start time, …) sends
 *   nothing: that is what a reconcile sync exists to catch.
 * Events go to each app the athlete has authorized that has a subscription. Assumed, where
 * Strava documents little: activity events need activity:read(_all), and events about
 * `only_me` activities need activity:read_all, except a change of privacy itself.
 * `deliverWebhooks: false` (per call, or the simulator-wide knob) makes the event "lost": it
 * is logged as such and never POSTed.
 */
export type ActivityPatch = Partial<
  Omit<SimActivity, 'id' | 'athleteId' | 'createdMs' | 'deletedMs'>
>;

export interface CreateActivityInit extends ActivityPatch {
  /** A place in sim/places.ts; default the athlete's latest home. */
  placeName?: string;
}

export interface MutationOptions {
  deliverWebhooks?: boolean;
}

export interface ChurnPlan {
  edits?: number;
  deletions?: number;
  creations?: number;
}

export interface Mutations {
  editActivity(id: number, patch: ActivityPatch, options?: MutationOptions): SimActivity;
  deleteActivity(id: number, options?: MutationOptions): SimActivity;
  createActivity(
    athleteId: number,
    init?: CreateActivityInit,
    options?: MutationOptions,
  ): SimActivity;
  /** Revokes the athlete's authorization of every app (or one); false when there was none. */
  deauthorize(athleteId: number, options?: MutationOptions & { clientId?: string }): boolean;
  /** Random edits, deletions and new activities, drawn from the simulator's seed. */
  churn(athleteId: number, plan: ChurnPlan, options?: MutationOptions): ChurnResult;
}

export interface ChurnResult {
  edited: number[];
  deleted: number[];
  created: number[];
}

export interface MutationContext {
  world(): World;
  tokens: TokenStore;
  webhooks: Webhooks;
  clock: Clock;
  random(): Random;
  deliverWebhooksByDefault(): boolean;
}

export function createMutations(context: MutationContext): Mutations {
  const { tokens, webhooks, clock } = context;
  const world = () => context.world();
  const nowS = () => Math.floor(clock.now() / 1000);
  const lost = (options: MutationOptions | undefined) =>
    !(options?.deliverWebhooks ?? context.deliverWebhooksByDefault());

  const publishActivityEvent = (
    activity: SimActivity,
    aspect: WebhookEvent['aspect_type'],
    updates: Record<string, string>,
    options: MutationOptions | undefined,
    privacyChange = false,
  ) => {
    for (const app of world().apps.values()) {
      const grant = tokens.grantOf(activity.athleteId, app.clientId);
      if (!grant || !canReadActivities(grant.scopes)) continue;
      const hidden =
        activity.visibility === 'only_me' && !grant.scopes.includes('activity:read_all');
      if (hidden && !privacyChange) continue;
      webhooks.publish(
        app.clientId,
        {
          aspect_type: aspect,
          event_time: nowS(),
          object_id: activity.id,
          object_type: 'activity',
          owner_id: activity.athleteId,
          updates,
        },
        lost(options),
      );
    }
  };

  const requireActivity = (id: number): SimActivity => {
    const activity = findLiveActivity(world(), id);
    if (!activity) throw new Error(`no activity ${id}`);
    return activity;
  };

  const mutations: Mutations = {
    editActivity(id, patch, options) {
      const activity = requireActivity(id);
      const before = { ...activity };
      Object.assign(activity, patch, { updatedMs: clock.now() });
      if (patch.startMs !== undefined) repositionActivity(world(), activity);
      const updates: Record<string, string> = {};
      if (activity.name !== before.name) updates.title = activity.name;
      if (activity.sportType !== before.sportType) updates.type = activity.sportType;
      const wasPrivate = before.visibility === 'only_me';
      const isPrivate = activity.visibility === 'only_me';
      if (wasPrivate !== isPrivate) updates.private = String(isPrivate);
      if (Object.keys(updates).length > 0) {
        publishActivityEvent(activity, 'update', updates, options, wasPrivate !== isPrivate);
      }
      return activity;
    },
    deleteActivity(id, options) {
      const activity = requireActivity(id);
      activity.deletedMs = clock.now();
      publishActivityEvent(activity, 'delete', {}, options);
      return activity;
    },
    createActivity(athleteId, init = {}, options) {
      const athlete = world().athletes.get(athleteId);
      if (!athlete) throw new Error(`no athlete ${athleteId}`);
      const { placeName, ...overrides } = init;
      const place = placeNamed(placeName ?? (athlete.homePlaces.at(-1) as string));
      const random = context.random();
      const now = clock.now();
      const activity = makeActivity(random, {
        athleteId,
        sportType: overrides.sportType ?? 'Run',
        startMs: overrides.startMs ?? now - 2 * 3_600_000,
        place,
        timeZone: place.timezone,
        manual: overrides.manual ?? false,
        // Uploaded now, whatever its start: a late upload gets today's id.
        allocateId: () => {
          let id = activityIdAt(now, random);
          while (world().activities.has(id)) id++;
          return id;
        },
      });
      Object.assign(activity, overrides, { createdMs: now, updatedMs: now });
      if (overrides.startMs === undefined) {
        activity.startMs = now - (activity.elapsedTimeS + random.int(3, 30) * 60) * 1000;
      }
      insertActivity(world(), activity);
      publishActivityEvent(activity, 'create', {}, options);
      return activity;
    },
    deauthorize(athleteId, options = {}) {
      let any = false;
      for (const app of world().apps.values()) {
        if (options.clientId !== undefined && app.clientId !== options.clientId) continue;
        if (!tokens.grantOf(athleteId, app.clientId)) continue;
        // Order matters: find the subscription's audience before the grant is gone.
        webhooks.publish(
          app.clientId,
          {
            aspect_type: 'update',
            event_time: nowS(),
            object_id: athleteId,
            object_type: 'athlete',
            owner_id: athleteId,
            updates: { authorized: 'false' },
          },
          lost(options),
        );
        tokens.revoke(athleteId, app.clientId);
        any = true;
      }
      return any;
    },
    churn(athleteId, plan, options) {
      const random = context.random();
      const result: ChurnResult = { edited: [], deleted: [], created: [] };
      const live = () =>
        (world().timelines.get(athleteId) ?? []).filter((a) => a.deletedMs === null);
      for (let i = 0; i < (plan.edits ?? 0) && live().length > 0; i++) {
        const target = random.pick(live());
        const patch = random.weighted<ActivityPatch>([
          [{ name: `${target.name} (edited)` }, 4],
          [{ visibility: target.visibility === 'only_me' ? 'everyone' : 'only_me' }, 1],
          [{ sportType: target.sportType === 'Run' ? 'TrailRun' : 'Run' }, 1],
          [{ distanceM: Math.round(target.distanceM * 1.02 * 10) / 10 }, 2],
        ]);
        mutations.editActivity(target.id, patch, options);
        result.edited.push(target.id);
      }
      for (let i = 0; i < (plan.deletions ?? 0) && live().length > 0; i++) {
        const target = random.pick(live());
        mutations.deleteActivity(target.id, options);
        result.deleted.push(target.id);
      }
      for (let i = 0; i < (plan.creations ?? 0); i++) {
        result.created.push(mutations.createActivity(athleteId, {}, options).id);
      }
      return result;
    },
  };
  return mutations;
}
