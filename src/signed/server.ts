// Placeholder until this module lands; see the open issue for its scope.
export {};
