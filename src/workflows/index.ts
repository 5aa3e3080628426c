/** Workflow entry point for the worker bundle: every workflow the worker runs. */
export { jobWorkflow } from './job-workflow';
export { handlerNamesWorkflow } from './handler-names';
