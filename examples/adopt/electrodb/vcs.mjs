// The version-control model of ../schema/electrodb-vcs.dyn, written in
// ElectroDB (3.x) as an ElectroDB user would. `run.mjs` drives it.
import { Entity, Service } from "electrodb";

// ElectroDB has no built-in timestamps: models declare them like this. The
// text is `Date.toISOString()` (UTC, milliseconds), which the schema reads
// with `timestamps @format("rfc3339_millis")`.
const timestamps = {
  createdAt: {
    type: "string",
    readOnly: true,
    required: true,
    default: () => new Date().toISOString(),
    set: () => new Date().toISOString(),
  },
  updatedAt: {
    type: "string",
    readOnly: true,
    required: true,
    watch: "*",
    default: () => new Date().toISOString(),
    set: () => new Date().toISOString(),
  },
};

const status = { type: ["Open", "Closed"], required: true, default: "Open" };

export function service(client, table) {
  const config = { client, table };
  const User = new Entity(
    {
      model: { entity: "User", version: "1", service: "vcs" },
      attributes: {
        username: { type: "string", required: true },
        fullName: { type: "string", required: true },
        bio: { type: "string", required: true },
        location: { type: "string", required: true },
        ...timestamps,
      },
      indexes: {
        user: {
          pk: { field: "pk", composite: ["username"] },
          sk: { field: "sk", composite: [] },
        },
        owned: {
          index: "gsi1pk-gsi1sk-index",
          collection: "owned",
          pk: { field: "gsi1pk", composite: ["username"] },
          sk: { field: "gsi1sk", composite: [] },
        },
      },
    },
    config,
  );
  const Repository = new Entity(
    {
      model: { entity: "Repository", version: "1", service: "vcs" },
      attributes: {
        repoName: { type: "string", required: true },
        repoOwner: { type: "string", required: true },
        username: { type: "string", required: true },
        about: { type: "string", required: true },
        description: { type: "string", required: true },
        isPrivate: { type: "boolean", required: true, default: false },
        defaultBranch: { type: "string", required: true, default: "main" },
        ...timestamps,
      },
      indexes: {
        repository: {
          pk: { field: "pk", composite: ["repoOwner"] },
          sk: { field: "sk", composite: ["repoName"] },
        },
        owned: {
          index: "gsi1pk-gsi1sk-index",
          collection: "owned",
          pk: { field: "gsi1pk", composite: ["username"] },
          sk: { field: "gsi1sk", composite: ["repoName"] },
        },
        activity: {
          index: "gsi2pk-gsi2sk-index",
          collection: "activity",
          pk: { field: "gsi2pk", composite: ["repoOwner", "repoName"] },
          sk: { field: "gsi2sk", composite: [] },
        },
      },
    },
    config,
  );
  // Issues and pull requests differ only in their number's name.
  const ticket = (name, number) =>
    new Entity(
      {
        model: { entity: name, version: "1", service: "vcs" },
        attributes: {
          [number]: { type: "string", required: true },
          repoName: { type: "string", required: true },
          repoOwner: { type: "string", required: true },
          username: { type: "string", required: true },
          subject: { type: "string", required: true },
          body: { type: "string", required: true },
          status,
          ...timestamps,
        },
        indexes: {
          [name.charAt(0).toLowerCase() + name.slice(1)]: {
            pk: { field: "pk", composite: ["repoOwner", "repoName"] },
            sk: { field: "sk", composite: [number] },
          },
          managed: {
            index: "gsi1pk-gsi1sk-index",
            collection: "managed",
            pk: { field: "gsi1pk", composite: ["username"] },
            sk: { field: "gsi1sk", composite: ["status", number] },
          },
          activity: {
            index: "gsi2pk-gsi2sk-index",
            collection: "activity",
            pk: { field: "gsi2pk", composite: ["repoOwner", "repoName"] },
            sk: { field: "gsi2sk", composite: ["status", number] },
          },
        },
      },
      config,
    );
  const Issue = ticket("Issue", "issueNumber");
  const PullRequest = ticket("PullRequest", "pullRequestNumber");
  return new Service({ user: User, repository: Repository, issue: Issue, pullRequest: PullRequest }, config);
}
