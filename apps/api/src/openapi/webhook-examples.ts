// GENERATED from test/fixtures/vapi (webhook-examples.spec.ts fails when they drift apart): one
// example per webhook message type for the OpenAPI document. Regenerate rather than edit.

/** Request bodies: VAPI message type → [fixture file, body]. */
export const WEBHOOK_REQUEST_EXAMPLES: Record<string, [string, unknown]> = {
  'status-update': [
    'status-update-in-progress.json',
    {
      message: {
        timestamp: 1773327849906,
        type: 'status-update',
        status: 'in-progress',
        phoneNumber: {
          id: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          provider: 'twilio',
          number: '+14155550199',
          name: 'Front desk line',
          createdAt: '2026-01-08T10:12:44.000Z',
          updatedAt: '2026-02-20T09:00:01.000Z',
          status: 'active',
        },
        customer: { number: '+14155550123', name: 'Dana Whitfield' },
        assistant: {
          name: 'Bright Smile Dental Receptionist',
          firstMessage:
            'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
          model: { provider: 'openai', model: 'gpt-4o' },
          voice: { provider: 'vapi', voiceId: 'Elliot' },
          transcriber: { provider: 'deepgram', model: 'nova-3', language: 'en' },
          serverMessages: [
            'status-update',
            'end-of-call-report',
            'transcript',
            'conversation-update',
            'speech-update',
            'hang',
            'tool-calls',
          ],
          server: { url: 'https://api.example.com/webhooks/vapi', timeoutSeconds: 20 },
        },
        call: {
          id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          type: 'inboundPhoneCall',
          createdAt: '2026-03-12T15:04:05.123Z',
          updatedAt: '2026-03-12T15:04:09.871Z',
          status: 'in-progress',
          assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
          phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          customer: { number: '+14155550123', name: 'Dana Whitfield' },
          phoneCallProvider: 'twilio',
          phoneCallTransport: 'pstn',
          phoneCallProviderId: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
          monitor: {
            listenUrl:
              'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/listen',
            controlUrl:
              'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/control',
          },
          transport: {
            provider: 'twilio',
            callSid: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
            accountSid: 'AC0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          },
          startedAt: '2026-03-12T15:04:09.871Z',
        },
        artifact: {
          messages: [
            {
              role: 'system',
              time: 1773327849871,
              message:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
              secondsFromStart: 0,
            },
          ],
          messagesOpenAIFormatted: [
            {
              role: 'system',
              content:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
            },
          ],
        },
      },
    },
  ],
  transcript: [
    'transcript-final.json',
    {
      message: {
        timestamp: 1773327859711,
        type: 'transcript',
        role: 'user',
        transcriptType: 'final',
        transcript: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
        phoneNumber: {
          id: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          provider: 'twilio',
          number: '+14155550199',
          name: 'Front desk line',
          createdAt: '2026-01-08T10:12:44.000Z',
          updatedAt: '2026-02-20T09:00:01.000Z',
          status: 'active',
        },
        customer: { number: '+14155550123', name: 'Dana Whitfield' },
        call: {
          id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          type: 'inboundPhoneCall',
          createdAt: '2026-03-12T15:04:05.123Z',
          updatedAt: '2026-03-12T15:04:09.871Z',
          status: 'in-progress',
          assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
          phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          customer: { number: '+14155550123', name: 'Dana Whitfield' },
          phoneCallProvider: 'twilio',
          phoneCallTransport: 'pstn',
          phoneCallProviderId: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
          monitor: {
            listenUrl:
              'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/listen',
            controlUrl:
              'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/control',
          },
          transport: {
            provider: 'twilio',
            callSid: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
            accountSid: 'AC0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          },
          startedAt: '2026-03-12T15:04:09.871Z',
        },
      },
    },
  ],
  'conversation-update': [
    'conversation-update.json',
    {
      message: {
        timestamp: 1773327869491,
        type: 'conversation-update',
        messages: [
          {
            role: 'system',
            time: 1773327849871,
            message:
              'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
            secondsFromStart: 0,
          },
          {
            role: 'bot',
            time: 1773327850291,
            endTime: 1773327854601,
            message:
              'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
            duration: 4310,
            secondsFromStart: 0.42,
            source: '',
          },
          {
            role: 'user',
            time: 1773327855851,
            endTime: 1773327859571,
            message: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
            duration: 3720,
            secondsFromStart: 5.98,
          },
          {
            role: 'bot',
            time: 1773327860521,
            endTime: 1773327865001,
            message:
              'No problem. Can I get your full name and date of birth to pull up your appointment?',
            duration: 4480,
            secondsFromStart: 10.65,
            source: '',
          },
          {
            role: 'user',
            time: 1773327866081,
            endTime: 1773327869431,
            message: 'Dana Whitfield, April ninth, nineteen eighty-eight.',
            duration: 3350,
            secondsFromStart: 16.21,
          },
        ],
        messagesOpenAIFormatted: [
          {
            role: 'system',
            content:
              'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
          },
          {
            role: 'assistant',
            content:
              'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
          },
          {
            role: 'user',
            content: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
          },
          {
            role: 'assistant',
            content:
              'No problem. Can I get your full name and date of birth to pull up your appointment?',
          },
          { role: 'user', content: 'Dana Whitfield, April ninth, nineteen eighty-eight.' },
        ],
        phoneNumber: {
          id: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          provider: 'twilio',
          number: '+14155550199',
          name: 'Front desk line',
          createdAt: '2026-01-08T10:12:44.000Z',
          updatedAt: '2026-02-20T09:00:01.000Z',
          status: 'active',
        },
        customer: { number: '+14155550123', name: 'Dana Whitfield' },
        call: {
          id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          type: 'inboundPhoneCall',
          createdAt: '2026-03-12T15:04:05.123Z',
          updatedAt: '2026-03-12T15:04:09.871Z',
          status: 'in-progress',
          assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
          phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          customer: { number: '+14155550123', name: 'Dana Whitfield' },
          phoneCallProvider: 'twilio',
          phoneCallTransport: 'pstn',
          phoneCallProviderId: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
          monitor: {
            listenUrl:
              'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/listen',
            controlUrl:
              'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/control',
          },
          transport: {
            provider: 'twilio',
            callSid: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
            accountSid: 'AC0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          },
          startedAt: '2026-03-12T15:04:09.871Z',
        },
        artifact: {
          messages: [
            {
              role: 'system',
              time: 1773327849871,
              message:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
              secondsFromStart: 0,
            },
            {
              role: 'bot',
              time: 1773327850291,
              endTime: 1773327854601,
              message:
                'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
              duration: 4310,
              secondsFromStart: 0.42,
              source: '',
            },
            {
              role: 'user',
              time: 1773327855851,
              endTime: 1773327859571,
              message: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
              duration: 3720,
              secondsFromStart: 5.98,
            },
            {
              role: 'bot',
              time: 1773327860521,
              endTime: 1773327865001,
              message:
                'No problem. Can I get your full name and date of birth to pull up your appointment?',
              duration: 4480,
              secondsFromStart: 10.65,
              source: '',
            },
            {
              role: 'user',
              time: 1773327866081,
              endTime: 1773327869431,
              message: 'Dana Whitfield, April ninth, nineteen eighty-eight.',
              duration: 3350,
              secondsFromStart: 16.21,
            },
          ],
          messagesOpenAIFormatted: [
            {
              role: 'system',
              content:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
            },
            {
              role: 'assistant',
              content:
                'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
            },
            {
              role: 'user',
              content: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
            },
            {
              role: 'assistant',
              content:
                'No problem. Can I get your full name and date of birth to pull up your appointment?',
            },
            { role: 'user', content: 'Dana Whitfield, April ninth, nineteen eighty-eight.' },
          ],
        },
      },
    },
  ],
  'speech-update': [
    'speech-update.json',
    {
      message: {
        timestamp: 1773327855851,
        type: 'speech-update',
        status: 'started',
        role: 'user',
        turn: 1,
        phoneNumber: {
          id: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          provider: 'twilio',
          number: '+14155550199',
          name: 'Front desk line',
          createdAt: '2026-01-08T10:12:44.000Z',
          updatedAt: '2026-02-20T09:00:01.000Z',
          status: 'active',
        },
        customer: { number: '+14155550123', name: 'Dana Whitfield' },
        call: {
          id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          type: 'inboundPhoneCall',
          createdAt: '2026-03-12T15:04:05.123Z',
          updatedAt: '2026-03-12T15:04:09.871Z',
          status: 'in-progress',
          assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
          phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          customer: { number: '+14155550123', name: 'Dana Whitfield' },
          phoneCallProvider: 'twilio',
          phoneCallTransport: 'pstn',
          phoneCallProviderId: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
          monitor: {
            listenUrl:
              'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/listen',
            controlUrl:
              'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/control',
          },
          transport: {
            provider: 'twilio',
            callSid: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
            accountSid: 'AC0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          },
          startedAt: '2026-03-12T15:04:09.871Z',
        },
      },
    },
  ],
  hang: [
    'hang.json',
    {
      message: {
        timestamp: 1773327880991,
        type: 'hang',
        phoneNumber: {
          id: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          provider: 'twilio',
          number: '+14155550199',
          name: 'Front desk line',
          createdAt: '2026-01-08T10:12:44.000Z',
          updatedAt: '2026-02-20T09:00:01.000Z',
          status: 'active',
        },
        customer: { number: '+14155550123', name: 'Dana Whitfield' },
        call: {
          id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          type: 'inboundPhoneCall',
          createdAt: '2026-03-12T15:04:05.123Z',
          updatedAt: '2026-03-12T15:04:09.871Z',
          status: 'in-progress',
          assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
          phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          customer: { number: '+14155550123', name: 'Dana Whitfield' },
          phoneCallProvider: 'twilio',
          phoneCallTransport: 'pstn',
          phoneCallProviderId: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
          monitor: {
            listenUrl:
              'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/listen',
            controlUrl:
              'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/control',
          },
          transport: {
            provider: 'twilio',
            callSid: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
            accountSid: 'AC0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          },
          startedAt: '2026-03-12T15:04:09.871Z',
        },
      },
    },
  ],
  'user-interrupted': [
    'user-interrupted.json',
    {
      message: {
        timestamp: 1773327897071,
        type: 'user-interrupted',
        turnId: '8e1f4c2a-6b9d-4e3f-a7c0-5d2b9e8f1a36',
        phoneNumber: {
          id: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          provider: 'twilio',
          number: '+14155550199',
          name: 'Front desk line',
          createdAt: '2026-01-08T10:12:44.000Z',
          updatedAt: '2026-02-20T09:00:01.000Z',
          status: 'active',
        },
        customer: { number: '+14155550123', name: 'Dana Whitfield' },
        call: {
          id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          type: 'inboundPhoneCall',
          createdAt: '2026-03-12T15:04:05.123Z',
          updatedAt: '2026-03-12T15:04:09.871Z',
          status: 'in-progress',
          assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
          phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          customer: { number: '+14155550123', name: 'Dana Whitfield' },
          phoneCallProvider: 'twilio',
          phoneCallTransport: 'pstn',
          phoneCallProviderId: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
          monitor: {
            listenUrl:
              'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/listen',
            controlUrl:
              'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/control',
          },
          transport: {
            provider: 'twilio',
            callSid: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
            accountSid: 'AC0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          },
          startedAt: '2026-03-12T15:04:09.871Z',
        },
      },
    },
  ],
  'tool-calls': [
    'tool-calls.json',
    {
      message: {
        timestamp: 1773327879511,
        type: 'tool-calls',
        toolCallList: [
          {
            id: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
            type: 'function',
            function: {
              name: 'check_availability',
              arguments: { date: '2026-03-14', part_of_day: 'morning' },
            },
          },
        ],
        toolWithToolCallList: [
          {
            type: 'function',
            function: {
              name: 'check_availability',
              description: 'Returns open appointment slots for a date.',
              parameters: {
                type: 'object',
                properties: {
                  date: { type: 'string' },
                  part_of_day: { type: 'string', enum: ['morning', 'afternoon'] },
                },
                required: ['date'],
              },
            },
            server: { url: 'https://api.example.com/webhooks/vapi', timeoutSeconds: 20 },
            messages: [],
            toolCall: {
              id: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
              type: 'function',
              function: {
                name: 'check_availability',
                arguments: { date: '2026-03-14', part_of_day: 'morning' },
              },
            },
          },
        ],
        phoneNumber: {
          id: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          provider: 'twilio',
          number: '+14155550199',
          name: 'Front desk line',
          createdAt: '2026-01-08T10:12:44.000Z',
          updatedAt: '2026-02-20T09:00:01.000Z',
          status: 'active',
        },
        customer: { number: '+14155550123', name: 'Dana Whitfield' },
        assistant: {
          name: 'Bright Smile Dental Receptionist',
          firstMessage:
            'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
          model: { provider: 'openai', model: 'gpt-4o' },
          voice: { provider: 'vapi', voiceId: 'Elliot' },
          transcriber: { provider: 'deepgram', model: 'nova-3', language: 'en' },
          serverMessages: [
            'status-update',
            'end-of-call-report',
            'transcript',
            'conversation-update',
            'speech-update',
            'hang',
            'tool-calls',
          ],
          server: { url: 'https://api.example.com/webhooks/vapi', timeoutSeconds: 20 },
        },
        call: {
          id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          type: 'inboundPhoneCall',
          createdAt: '2026-03-12T15:04:05.123Z',
          updatedAt: '2026-03-12T15:04:09.871Z',
          status: 'in-progress',
          assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
          phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          customer: { number: '+14155550123', name: 'Dana Whitfield' },
          phoneCallProvider: 'twilio',
          phoneCallTransport: 'pstn',
          phoneCallProviderId: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
          monitor: {
            listenUrl:
              'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/listen',
            controlUrl:
              'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/control',
          },
          transport: {
            provider: 'twilio',
            callSid: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
            accountSid: 'AC0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          },
          startedAt: '2026-03-12T15:04:09.871Z',
        },
        artifact: {
          messages: [
            {
              role: 'system',
              time: 1773327849871,
              message:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
              secondsFromStart: 0,
            },
            {
              role: 'bot',
              time: 1773327850291,
              endTime: 1773327854601,
              message:
                'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
              duration: 4310,
              secondsFromStart: 0.42,
              source: '',
            },
            {
              role: 'user',
              time: 1773327855851,
              endTime: 1773327859571,
              message: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
              duration: 3720,
              secondsFromStart: 5.98,
            },
            {
              role: 'bot',
              time: 1773327860521,
              endTime: 1773327865001,
              message:
                'No problem. Can I get your full name and date of birth to pull up your appointment?',
              duration: 4480,
              secondsFromStart: 10.65,
              source: '',
            },
            {
              role: 'user',
              time: 1773327866081,
              endTime: 1773327869431,
              message: 'Dana Whitfield, April ninth, nineteen eighty-eight.',
              duration: 3350,
              secondsFromStart: 16.21,
            },
            {
              role: 'bot',
              time: 1773327870471,
              endTime: 1773327875681,
              message:
                'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
              duration: 5210,
              secondsFromStart: 20.6,
              source: '',
            },
            {
              role: 'user',
              time: 1773327877211,
              endTime: 1773327879171,
              message: 'Is there anything Saturday morning?',
              duration: 1960,
              secondsFromStart: 27.34,
            },
          ],
          messagesOpenAIFormatted: [
            {
              role: 'system',
              content:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
            },
            {
              role: 'assistant',
              content:
                'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
            },
            {
              role: 'user',
              content: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
            },
            {
              role: 'assistant',
              content:
                'No problem. Can I get your full name and date of birth to pull up your appointment?',
            },
            { role: 'user', content: 'Dana Whitfield, April ninth, nineteen eighty-eight.' },
            {
              role: 'assistant',
              content:
                'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
            },
            { role: 'user', content: 'Is there anything Saturday morning?' },
          ],
        },
      },
    },
  ],
  'transfer-destination-request': [
    'transfer-destination-request.json',
    {
      message: {
        timestamp: 1773327885871,
        type: 'transfer-destination-request',
        phoneNumber: {
          id: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          provider: 'twilio',
          number: '+14155550199',
          name: 'Front desk line',
          createdAt: '2026-01-08T10:12:44.000Z',
          updatedAt: '2026-02-20T09:00:01.000Z',
          status: 'active',
        },
        customer: { number: '+14155550123', name: 'Dana Whitfield' },
        call: {
          id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          type: 'inboundPhoneCall',
          createdAt: '2026-03-12T15:04:05.123Z',
          updatedAt: '2026-03-12T15:04:09.871Z',
          status: 'in-progress',
          assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
          phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          customer: { number: '+14155550123', name: 'Dana Whitfield' },
          phoneCallProvider: 'twilio',
          phoneCallTransport: 'pstn',
          phoneCallProviderId: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
          monitor: {
            listenUrl:
              'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/listen',
            controlUrl:
              'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/control',
          },
          transport: {
            provider: 'twilio',
            callSid: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
            accountSid: 'AC0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          },
          startedAt: '2026-03-12T15:04:09.871Z',
        },
        artifact: {
          messages: [
            {
              role: 'system',
              time: 1773327849871,
              message:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
              secondsFromStart: 0,
            },
            {
              role: 'bot',
              time: 1773327850291,
              endTime: 1773327854601,
              message:
                'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
              duration: 4310,
              secondsFromStart: 0.42,
              source: '',
            },
            {
              role: 'user',
              time: 1773327855851,
              endTime: 1773327859571,
              message: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
              duration: 3720,
              secondsFromStart: 5.98,
            },
            {
              role: 'bot',
              time: 1773327860521,
              endTime: 1773327865001,
              message:
                'No problem. Can I get your full name and date of birth to pull up your appointment?',
              duration: 4480,
              secondsFromStart: 10.65,
              source: '',
            },
            {
              role: 'user',
              time: 1773327866081,
              endTime: 1773327869431,
              message: 'Dana Whitfield, April ninth, nineteen eighty-eight.',
              duration: 3350,
              secondsFromStart: 16.21,
            },
            {
              role: 'bot',
              time: 1773327870471,
              endTime: 1773327875681,
              message:
                'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
              duration: 5210,
              secondsFromStart: 20.6,
              source: '',
            },
            {
              role: 'user',
              time: 1773327877211,
              endTime: 1773327879171,
              message: 'Is there anything Saturday morning?',
              duration: 1960,
              secondsFromStart: 27.34,
            },
          ],
          messagesOpenAIFormatted: [
            {
              role: 'system',
              content:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
            },
            {
              role: 'assistant',
              content:
                'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
            },
            {
              role: 'user',
              content: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
            },
            {
              role: 'assistant',
              content:
                'No problem. Can I get your full name and date of birth to pull up your appointment?',
            },
            { role: 'user', content: 'Dana Whitfield, April ninth, nineteen eighty-eight.' },
            {
              role: 'assistant',
              content:
                'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
            },
            { role: 'user', content: 'Is there anything Saturday morning?' },
          ],
        },
      },
    },
  ],
  'assistant-request': [
    'assistant-request.json',
    {
      message: {
        timestamp: 1773327845263,
        type: 'assistant-request',
        phoneNumber: {
          id: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          provider: 'twilio',
          number: '+14155550199',
          name: 'Front desk line',
          createdAt: '2026-01-08T10:12:44.000Z',
          updatedAt: '2026-02-20T09:00:01.000Z',
          status: 'active',
        },
        customer: { number: '+14155550123', name: 'Dana Whitfield' },
        call: {
          id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          type: 'inboundPhoneCall',
          createdAt: '2026-03-12T15:04:05.123Z',
          updatedAt: '2026-03-12T15:04:05.123Z',
          status: 'ringing',
          phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          customer: { number: '+14155550123', name: 'Dana Whitfield' },
          phoneCallProvider: 'twilio',
          phoneCallTransport: 'pstn',
          phoneCallProviderId: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
          monitor: {
            listenUrl:
              'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/listen',
            controlUrl:
              'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/control',
          },
          transport: {
            provider: 'twilio',
            callSid: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
            accountSid: 'AC0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          },
        },
      },
    },
  ],
  'end-of-call-report': [
    'end-of-call-report.json',
    {
      message: {
        timestamp: 1773327916626,
        type: 'end-of-call-report',
        endedReason: 'customer-ended-call',
        startedAt: '2026-03-12T15:04:09.871Z',
        endedAt: '2026-03-12T15:05:07.214Z',
        cost: 0.0971,
        costs: [
          { type: 'transport', provider: 'twilio', minutes: 1, cost: 0.0085 },
          {
            type: 'transcriber',
            transcriber: { provider: 'deepgram', model: 'nova-3' },
            minutes: 0.9557,
            cost: 0.0096,
          },
          {
            type: 'model',
            model: { provider: 'openai', model: 'gpt-4o' },
            promptTokens: 9412,
            completionTokens: 318,
            cachedPromptTokens: 5120,
            cost: 0.0214,
          },
          {
            type: 'voice',
            voice: { provider: 'vapi', voiceId: 'Elliot' },
            characters: 612,
            cost: 0.0092,
          },
          { type: 'vapi', subType: 'normal', minutes: 0.9557, cost: 0.0478 },
          {
            type: 'analysis',
            analysisType: 'summary',
            model: { provider: 'google', model: 'gemini-2.5-flash' },
            promptTokens: 702,
            completionTokens: 61,
            cost: 0.0002,
          },
          {
            type: 'analysis',
            analysisType: 'structuredData',
            model: { provider: 'google', model: 'gemini-2.5-flash' },
            promptTokens: 911,
            completionTokens: 48,
            cost: 0.0003,
          },
          {
            type: 'analysis',
            analysisType: 'successEvaluation',
            model: { provider: 'google', model: 'gemini-2.5-flash' },
            promptTokens: 845,
            completionTokens: 1,
            cost: 0.0001,
          },
        ],
        costBreakdown: {
          transport: 0.0085,
          stt: 0.0096,
          llm: 0.0214,
          tts: 0.0092,
          vapi: 0.0478,
          chat: 0,
          total: 0.0971,
          llmPromptTokens: 9412,
          llmCompletionTokens: 318,
          llmCachedPromptTokens: 5120,
          ttsCharacters: 612,
          analysisCostBreakdown: {
            summary: 0.0002,
            summaryPromptTokens: 702,
            summaryCompletionTokens: 61,
            structuredData: 0.0003,
            structuredDataPromptTokens: 911,
            structuredDataCompletionTokens: 48,
            successEvaluation: 0.0001,
            successEvaluationPromptTokens: 845,
            successEvaluationCompletionTokens: 1,
          },
        },
        durationMs: 57343,
        durationSeconds: 57.343,
        durationMinutes: 0.9557,
        summary:
          'Dana Whitfield called to move her Friday March 13 cleaning. Riley checked Saturday availability and rebooked her for Saturday March 14 at 10:30 AM; a text confirmation will follow.',
        transcript:
          "AI: Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?\nUser: Hi, I need to move my cleaning on Friday. Something came up at work.\nAI: No problem. Can I get your full name and date of birth to pull up your appointment?\nUser: Dana Whitfield, April ninth, nineteen eighty-eight.\nAI: Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?\nUser: Is there anything Saturday morning?\nAI: Saturday the fourteenth I have ten thirty or eleven fifteen. Which would you like?\nUser: Ten thirty is perfect.\nAI: Great, you're all set for Saturday, March fourteenth at ten thirty. You'll get a text confirmation shortly. Anything else?\nUser: No, that's it. Thanks so much.\nAI: You are welcome, Dana. Have a great day!\n",
        messages: [
          {
            role: 'system',
            time: 1773327849871,
            message:
              'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
            secondsFromStart: 0,
          },
          {
            role: 'bot',
            time: 1773327850291,
            endTime: 1773327854601,
            message:
              'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
            duration: 4310,
            secondsFromStart: 0.42,
            source: '',
          },
          {
            role: 'user',
            time: 1773327855851,
            endTime: 1773327859571,
            message: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
            duration: 3720,
            secondsFromStart: 5.98,
          },
          {
            role: 'bot',
            time: 1773327860521,
            endTime: 1773327865001,
            message:
              'No problem. Can I get your full name and date of birth to pull up your appointment?',
            duration: 4480,
            secondsFromStart: 10.65,
            source: '',
          },
          {
            role: 'user',
            time: 1773327866081,
            endTime: 1773327869431,
            message: 'Dana Whitfield, April ninth, nineteen eighty-eight.',
            duration: 3350,
            secondsFromStart: 16.21,
          },
          {
            role: 'bot',
            time: 1773327870471,
            endTime: 1773327875681,
            message:
              'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
            duration: 5210,
            secondsFromStart: 20.6,
            source: '',
          },
          {
            role: 'user',
            time: 1773327877211,
            endTime: 1773327879171,
            message: 'Is there anything Saturday morning?',
            duration: 1960,
            secondsFromStart: 27.34,
          },
          {
            role: 'tool_calls',
            time: 1773327879481,
            message: '',
            secondsFromStart: 29.61,
            toolCalls: [
              {
                id: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
                type: 'function',
                function: {
                  name: 'check_availability',
                  arguments: '{"date":"2026-03-14","part_of_day":"morning"}',
                },
              },
            ],
          },
          {
            role: 'tool_call_result',
            time: 1773327880151,
            secondsFromStart: 30.28,
            name: 'check_availability',
            toolCallId: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
            result: '{"slots":["10:30","11:15"],"date":"2026-03-14"}',
          },
          {
            role: 'bot',
            time: 1773327883741,
            endTime: 1773327888361,
            message:
              'Saturday the fourteenth I have ten thirty or eleven fifteen. Which would you like?',
            duration: 4620,
            secondsFromStart: 33.87,
            source: '',
          },
          {
            role: 'user',
            time: 1773327890001,
            endTime: 1773327891481,
            message: 'Ten thirty is perfect.',
            duration: 1480,
            secondsFromStart: 40.13,
          },
          {
            role: 'bot',
            time: 1773327892891,
            endTime: 1773327899031,
            message:
              "Great, you're all set for Saturday, March fourteenth at ten thirty. You'll get a text confirmation shortly. Anything else?",
            duration: 6140,
            secondsFromStart: 43.02,
            source: '',
          },
          {
            role: 'user',
            time: 1773327900511,
            endTime: 1773327902381,
            message: "No, that's it. Thanks so much.",
            duration: 1870,
            secondsFromStart: 50.64,
          },
          {
            role: 'bot',
            time: 1773327902981,
            endTime: 1773327905461,
            message: 'You are welcome, Dana. Have a great day!',
            duration: 2480,
            secondsFromStart: 53.11,
            source: '',
          },
        ],
        recordingUrl:
          'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav',
        stereoRecordingUrl:
          'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-1a6f3c8e-2b7d-4e9a-8c5f-0d3b6e9a2c71-stereo.wav',
        analysis: {
          summary:
            'Dana Whitfield called to move her Friday March 13 cleaning. Riley checked Saturday availability and rebooked her for Saturday March 14 at 10:30 AM; a text confirmation will follow.',
          structuredData: {
            intent: 'reschedule',
            patientName: 'Dana Whitfield',
            oldSlot: '2026-03-13T09:00',
            newSlot: '2026-03-14T10:30',
            resolved: true,
          },
          successEvaluation: 'true',
        },
        artifact: {
          messages: [
            {
              role: 'system',
              time: 1773327849871,
              message:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
              secondsFromStart: 0,
            },
            {
              role: 'bot',
              time: 1773327850291,
              endTime: 1773327854601,
              message:
                'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
              duration: 4310,
              secondsFromStart: 0.42,
              source: '',
            },
            {
              role: 'user',
              time: 1773327855851,
              endTime: 1773327859571,
              message: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
              duration: 3720,
              secondsFromStart: 5.98,
            },
            {
              role: 'bot',
              time: 1773327860521,
              endTime: 1773327865001,
              message:
                'No problem. Can I get your full name and date of birth to pull up your appointment?',
              duration: 4480,
              secondsFromStart: 10.65,
              source: '',
            },
            {
              role: 'user',
              time: 1773327866081,
              endTime: 1773327869431,
              message: 'Dana Whitfield, April ninth, nineteen eighty-eight.',
              duration: 3350,
              secondsFromStart: 16.21,
            },
            {
              role: 'bot',
              time: 1773327870471,
              endTime: 1773327875681,
              message:
                'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
              duration: 5210,
              secondsFromStart: 20.6,
              source: '',
            },
            {
              role: 'user',
              time: 1773327877211,
              endTime: 1773327879171,
              message: 'Is there anything Saturday morning?',
              duration: 1960,
              secondsFromStart: 27.34,
            },
            {
              role: 'tool_calls',
              time: 1773327879481,
              message: '',
              secondsFromStart: 29.61,
              toolCalls: [
                {
                  id: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
                  type: 'function',
                  function: {
                    name: 'check_availability',
                    arguments: '{"date":"2026-03-14","part_of_day":"morning"}',
                  },
                },
              ],
            },
            {
              role: 'tool_call_result',
              time: 1773327880151,
              secondsFromStart: 30.28,
              name: 'check_availability',
              toolCallId: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
              result: '{"slots":["10:30","11:15"],"date":"2026-03-14"}',
            },
            {
              role: 'bot',
              time: 1773327883741,
              endTime: 1773327888361,
              message:
                'Saturday the fourteenth I have ten thirty or eleven fifteen. Which would you like?',
              duration: 4620,
              secondsFromStart: 33.87,
              source: '',
            },
            {
              role: 'user',
              time: 1773327890001,
              endTime: 1773327891481,
              message: 'Ten thirty is perfect.',
              duration: 1480,
              secondsFromStart: 40.13,
            },
            {
              role: 'bot',
              time: 1773327892891,
              endTime: 1773327899031,
              message:
                "Great, you're all set for Saturday, March fourteenth at ten thirty. You'll get a text confirmation shortly. Anything else?",
              duration: 6140,
              secondsFromStart: 43.02,
              source: '',
            },
            {
              role: 'user',
              time: 1773327900511,
              endTime: 1773327902381,
              message: "No, that's it. Thanks so much.",
              duration: 1870,
              secondsFromStart: 50.64,
            },
            {
              role: 'bot',
              time: 1773327902981,
              endTime: 1773327905461,
              message: 'You are welcome, Dana. Have a great day!',
              duration: 2480,
              secondsFromStart: 53.11,
              source: '',
            },
          ],
          messagesOpenAIFormatted: [
            {
              role: 'system',
              content:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
            },
            {
              role: 'assistant',
              content:
                'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
            },
            {
              role: 'user',
              content: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
            },
            {
              role: 'assistant',
              content:
                'No problem. Can I get your full name and date of birth to pull up your appointment?',
            },
            { role: 'user', content: 'Dana Whitfield, April ninth, nineteen eighty-eight.' },
            {
              role: 'assistant',
              content:
                'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
            },
            { role: 'user', content: 'Is there anything Saturday morning?' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
                  type: 'function',
                  function: {
                    name: 'check_availability',
                    arguments: '{"date":"2026-03-14","part_of_day":"morning"}',
                  },
                },
              ],
            },
            {
              role: 'tool',
              tool_call_id: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
              content: '{"slots":["10:30","11:15"],"date":"2026-03-14"}',
            },
            {
              role: 'assistant',
              content:
                'Saturday the fourteenth I have ten thirty or eleven fifteen. Which would you like?',
            },
            { role: 'user', content: 'Ten thirty is perfect.' },
            {
              role: 'assistant',
              content:
                "Great, you're all set for Saturday, March fourteenth at ten thirty. You'll get a text confirmation shortly. Anything else?",
            },
            { role: 'user', content: "No, that's it. Thanks so much." },
            { role: 'assistant', content: 'You are welcome, Dana. Have a great day!' },
          ],
          transcript:
            "AI: Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?\nUser: Hi, I need to move my cleaning on Friday. Something came up at work.\nAI: No problem. Can I get your full name and date of birth to pull up your appointment?\nUser: Dana Whitfield, April ninth, nineteen eighty-eight.\nAI: Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?\nUser: Is there anything Saturday morning?\nAI: Saturday the fourteenth I have ten thirty or eleven fifteen. Which would you like?\nUser: Ten thirty is perfect.\nAI: Great, you're all set for Saturday, March fourteenth at ten thirty. You'll get a text confirmation shortly. Anything else?\nUser: No, that's it. Thanks so much.\nAI: You are welcome, Dana. Have a great day!\n",
          recordingUrl:
            'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav',
          stereoRecordingUrl:
            'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-1a6f3c8e-2b7d-4e9a-8c5f-0d3b6e9a2c71-stereo.wav',
          recording: {
            stereoUrl:
              'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-1a6f3c8e-2b7d-4e9a-8c5f-0d3b6e9a2c71-stereo.wav',
            mono: {
              combinedUrl:
                'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav',
              assistantUrl:
                'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-4b8e1d6a-9c2f-4a7e-b3d5-6f0c9e2a8b17-mono.wav',
              customerUrl:
                'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-7c2a9e4f-1b6d-4c8a-9e3f-2d5b8a0c6e94-mono.wav',
            },
          },
          logUrl:
            'https://calllogs.vapi.ai/3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/1773327909614-3c9e1f7a-2d4b-4a8e-b6c5-0f9d2e7a1b83.jsonl.gz',
          nodes: [],
          variableValues: {},
          performanceMetrics: {
            turnLatencyAverage: 1184,
            modelLatencyAverage: 612,
            voiceLatencyAverage: 301,
            transcriberLatencyAverage: 271,
          },
        },
        phoneNumber: {
          id: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          provider: 'twilio',
          number: '+14155550199',
          name: 'Front desk line',
          createdAt: '2026-01-08T10:12:44.000Z',
          updatedAt: '2026-02-20T09:00:01.000Z',
          status: 'active',
        },
        customer: { number: '+14155550123', name: 'Dana Whitfield' },
        assistant: {
          name: 'Bright Smile Dental Receptionist',
          firstMessage:
            'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
          model: { provider: 'openai', model: 'gpt-4o' },
          voice: { provider: 'vapi', voiceId: 'Elliot' },
          transcriber: { provider: 'deepgram', model: 'nova-3', language: 'en' },
          serverMessages: [
            'status-update',
            'end-of-call-report',
            'transcript',
            'conversation-update',
            'speech-update',
            'hang',
            'tool-calls',
          ],
          server: { url: 'https://api.example.com/webhooks/vapi', timeoutSeconds: 20 },
        },
        call: {
          id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
          orgId: '3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14',
          type: 'inboundPhoneCall',
          createdAt: '2026-03-12T15:04:05.123Z',
          updatedAt: '2026-03-12T15:05:16.394Z',
          status: 'ended',
          assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
          phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
          customer: { number: '+14155550123', name: 'Dana Whitfield' },
          phoneCallProvider: 'twilio',
          phoneCallTransport: 'pstn',
          phoneCallProviderId: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
          monitor: {
            listenUrl:
              'wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/listen',
            controlUrl:
              'https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/control',
          },
          transport: {
            provider: 'twilio',
            callSid: 'CA8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c',
            accountSid: 'AC0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          },
          startedAt: '2026-03-12T15:04:09.871Z',
          endedAt: '2026-03-12T15:05:07.214Z',
          endedReason: 'customer-ended-call',
          cost: 0.0971,
          costBreakdown: {
            transport: 0.0085,
            stt: 0.0096,
            llm: 0.0214,
            tts: 0.0092,
            vapi: 0.0478,
            chat: 0,
            total: 0.0971,
            llmPromptTokens: 9412,
            llmCompletionTokens: 318,
            llmCachedPromptTokens: 5120,
            ttsCharacters: 612,
            analysisCostBreakdown: {
              summary: 0.0002,
              summaryPromptTokens: 702,
              summaryCompletionTokens: 61,
              structuredData: 0.0003,
              structuredDataPromptTokens: 911,
              structuredDataCompletionTokens: 48,
              successEvaluation: 0.0001,
              successEvaluationPromptTokens: 845,
              successEvaluationCompletionTokens: 1,
            },
          },
          costs: [
            { type: 'transport', provider: 'twilio', minutes: 1, cost: 0.0085 },
            {
              type: 'transcriber',
              transcriber: { provider: 'deepgram', model: 'nova-3' },
              minutes: 0.9557,
              cost: 0.0096,
            },
            {
              type: 'model',
              model: { provider: 'openai', model: 'gpt-4o' },
              promptTokens: 9412,
              completionTokens: 318,
              cachedPromptTokens: 5120,
              cost: 0.0214,
            },
            {
              type: 'voice',
              voice: { provider: 'vapi', voiceId: 'Elliot' },
              characters: 612,
              cost: 0.0092,
            },
            { type: 'vapi', subType: 'normal', minutes: 0.9557, cost: 0.0478 },
            {
              type: 'analysis',
              analysisType: 'summary',
              model: { provider: 'google', model: 'gemini-2.5-flash' },
              promptTokens: 702,
              completionTokens: 61,
              cost: 0.0002,
            },
            {
              type: 'analysis',
              analysisType: 'structuredData',
              model: { provider: 'google', model: 'gemini-2.5-flash' },
              promptTokens: 911,
              completionTokens: 48,
              cost: 0.0003,
            },
            {
              type: 'analysis',
              analysisType: 'successEvaluation',
              model: { provider: 'google', model: 'gemini-2.5-flash' },
              promptTokens: 845,
              completionTokens: 1,
              cost: 0.0001,
            },
          ],
          messages: [
            {
              role: 'system',
              time: 1773327849871,
              message:
                'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
              secondsFromStart: 0,
            },
            {
              role: 'bot',
              time: 1773327850291,
              endTime: 1773327854601,
              message:
                'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
              duration: 4310,
              secondsFromStart: 0.42,
              source: '',
            },
            {
              role: 'user',
              time: 1773327855851,
              endTime: 1773327859571,
              message: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
              duration: 3720,
              secondsFromStart: 5.98,
            },
            {
              role: 'bot',
              time: 1773327860521,
              endTime: 1773327865001,
              message:
                'No problem. Can I get your full name and date of birth to pull up your appointment?',
              duration: 4480,
              secondsFromStart: 10.65,
              source: '',
            },
            {
              role: 'user',
              time: 1773327866081,
              endTime: 1773327869431,
              message: 'Dana Whitfield, April ninth, nineteen eighty-eight.',
              duration: 3350,
              secondsFromStart: 16.21,
            },
            {
              role: 'bot',
              time: 1773327870471,
              endTime: 1773327875681,
              message:
                'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
              duration: 5210,
              secondsFromStart: 20.6,
              source: '',
            },
            {
              role: 'user',
              time: 1773327877211,
              endTime: 1773327879171,
              message: 'Is there anything Saturday morning?',
              duration: 1960,
              secondsFromStart: 27.34,
            },
            {
              role: 'tool_calls',
              time: 1773327879481,
              message: '',
              secondsFromStart: 29.61,
              toolCalls: [
                {
                  id: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
                  type: 'function',
                  function: {
                    name: 'check_availability',
                    arguments: '{"date":"2026-03-14","part_of_day":"morning"}',
                  },
                },
              ],
            },
            {
              role: 'tool_call_result',
              time: 1773327880151,
              secondsFromStart: 30.28,
              name: 'check_availability',
              toolCallId: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
              result: '{"slots":["10:30","11:15"],"date":"2026-03-14"}',
            },
            {
              role: 'bot',
              time: 1773327883741,
              endTime: 1773327888361,
              message:
                'Saturday the fourteenth I have ten thirty or eleven fifteen. Which would you like?',
              duration: 4620,
              secondsFromStart: 33.87,
              source: '',
            },
            {
              role: 'user',
              time: 1773327890001,
              endTime: 1773327891481,
              message: 'Ten thirty is perfect.',
              duration: 1480,
              secondsFromStart: 40.13,
            },
            {
              role: 'bot',
              time: 1773327892891,
              endTime: 1773327899031,
              message:
                "Great, you're all set for Saturday, March fourteenth at ten thirty. You'll get a text confirmation shortly. Anything else?",
              duration: 6140,
              secondsFromStart: 43.02,
              source: '',
            },
            {
              role: 'user',
              time: 1773327900511,
              endTime: 1773327902381,
              message: "No, that's it. Thanks so much.",
              duration: 1870,
              secondsFromStart: 50.64,
            },
            {
              role: 'bot',
              time: 1773327902981,
              endTime: 1773327905461,
              message: 'You are welcome, Dana. Have a great day!',
              duration: 2480,
              secondsFromStart: 53.11,
              source: '',
            },
          ],
          analysis: {
            summary:
              'Dana Whitfield called to move her Friday March 13 cleaning. Riley checked Saturday availability and rebooked her for Saturday March 14 at 10:30 AM; a text confirmation will follow.',
            structuredData: {
              intent: 'reschedule',
              patientName: 'Dana Whitfield',
              oldSlot: '2026-03-13T09:00',
              newSlot: '2026-03-14T10:30',
              resolved: true,
            },
            successEvaluation: 'true',
          },
          artifact: {
            messages: [
              {
                role: 'system',
                time: 1773327849871,
                message:
                  'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
                secondsFromStart: 0,
              },
              {
                role: 'bot',
                time: 1773327850291,
                endTime: 1773327854601,
                message:
                  'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
                duration: 4310,
                secondsFromStart: 0.42,
                source: '',
              },
              {
                role: 'user',
                time: 1773327855851,
                endTime: 1773327859571,
                message: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
                duration: 3720,
                secondsFromStart: 5.98,
              },
              {
                role: 'bot',
                time: 1773327860521,
                endTime: 1773327865001,
                message:
                  'No problem. Can I get your full name and date of birth to pull up your appointment?',
                duration: 4480,
                secondsFromStart: 10.65,
                source: '',
              },
              {
                role: 'user',
                time: 1773327866081,
                endTime: 1773327869431,
                message: 'Dana Whitfield, April ninth, nineteen eighty-eight.',
                duration: 3350,
                secondsFromStart: 16.21,
              },
              {
                role: 'bot',
                time: 1773327870471,
                endTime: 1773327875681,
                message:
                  'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
                duration: 5210,
                secondsFromStart: 20.6,
                source: '',
              },
              {
                role: 'user',
                time: 1773327877211,
                endTime: 1773327879171,
                message: 'Is there anything Saturday morning?',
                duration: 1960,
                secondsFromStart: 27.34,
              },
              {
                role: 'tool_calls',
                time: 1773327879481,
                message: '',
                secondsFromStart: 29.61,
                toolCalls: [
                  {
                    id: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
                    type: 'function',
                    function: {
                      name: 'check_availability',
                      arguments: '{"date":"2026-03-14","part_of_day":"morning"}',
                    },
                  },
                ],
              },
              {
                role: 'tool_call_result',
                time: 1773327880151,
                secondsFromStart: 30.28,
                name: 'check_availability',
                toolCallId: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
                result: '{"slots":["10:30","11:15"],"date":"2026-03-14"}',
              },
              {
                role: 'bot',
                time: 1773327883741,
                endTime: 1773327888361,
                message:
                  'Saturday the fourteenth I have ten thirty or eleven fifteen. Which would you like?',
                duration: 4620,
                secondsFromStart: 33.87,
                source: '',
              },
              {
                role: 'user',
                time: 1773327890001,
                endTime: 1773327891481,
                message: 'Ten thirty is perfect.',
                duration: 1480,
                secondsFromStart: 40.13,
              },
              {
                role: 'bot',
                time: 1773327892891,
                endTime: 1773327899031,
                message:
                  "Great, you're all set for Saturday, March fourteenth at ten thirty. You'll get a text confirmation shortly. Anything else?",
                duration: 6140,
                secondsFromStart: 43.02,
                source: '',
              },
              {
                role: 'user',
                time: 1773327900511,
                endTime: 1773327902381,
                message: "No, that's it. Thanks so much.",
                duration: 1870,
                secondsFromStart: 50.64,
              },
              {
                role: 'bot',
                time: 1773327902981,
                endTime: 1773327905461,
                message: 'You are welcome, Dana. Have a great day!',
                duration: 2480,
                secondsFromStart: 53.11,
                source: '',
              },
            ],
            messagesOpenAIFormatted: [
              {
                role: 'system',
                content:
                  'You are Riley, the receptionist for Bright Smile Dental. Help callers book, move or cancel appointments. Use check_availability before offering times. Be brief and friendly.',
              },
              {
                role: 'assistant',
                content:
                  'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
              },
              {
                role: 'user',
                content: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
              },
              {
                role: 'assistant',
                content:
                  'No problem. Can I get your full name and date of birth to pull up your appointment?',
              },
              { role: 'user', content: 'Dana Whitfield, April ninth, nineteen eighty-eight.' },
              {
                role: 'assistant',
                content:
                  'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
              },
              { role: 'user', content: 'Is there anything Saturday morning?' },
              {
                role: 'assistant',
                content: null,
                tool_calls: [
                  {
                    id: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
                    type: 'function',
                    function: {
                      name: 'check_availability',
                      arguments: '{"date":"2026-03-14","part_of_day":"morning"}',
                    },
                  },
                ],
              },
              {
                role: 'tool',
                tool_call_id: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
                content: '{"slots":["10:30","11:15"],"date":"2026-03-14"}',
              },
              {
                role: 'assistant',
                content:
                  'Saturday the fourteenth I have ten thirty or eleven fifteen. Which would you like?',
              },
              { role: 'user', content: 'Ten thirty is perfect.' },
              {
                role: 'assistant',
                content:
                  "Great, you're all set for Saturday, March fourteenth at ten thirty. You'll get a text confirmation shortly. Anything else?",
              },
              { role: 'user', content: "No, that's it. Thanks so much." },
              { role: 'assistant', content: 'You are welcome, Dana. Have a great day!' },
            ],
            transcript:
              "AI: Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?\nUser: Hi, I need to move my cleaning on Friday. Something came up at work.\nAI: No problem. Can I get your full name and date of birth to pull up your appointment?\nUser: Dana Whitfield, April ninth, nineteen eighty-eight.\nAI: Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?\nUser: Is there anything Saturday morning?\nAI: Saturday the fourteenth I have ten thirty or eleven fifteen. Which would you like?\nUser: Ten thirty is perfect.\nAI: Great, you're all set for Saturday, March fourteenth at ten thirty. You'll get a text confirmation shortly. Anything else?\nUser: No, that's it. Thanks so much.\nAI: You are welcome, Dana. Have a great day!\n",
            recordingUrl:
              'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav',
            stereoRecordingUrl:
              'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-1a6f3c8e-2b7d-4e9a-8c5f-0d3b6e9a2c71-stereo.wav',
            recording: {
              stereoUrl:
                'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-1a6f3c8e-2b7d-4e9a-8c5f-0d3b6e9a2c71-stereo.wav',
              mono: {
                combinedUrl:
                  'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav',
                assistantUrl:
                  'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-4b8e1d6a-9c2f-4a7e-b3d5-6f0c9e2a8b17-mono.wav',
                customerUrl:
                  'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-7c2a9e4f-1b6d-4c8a-9e3f-2d5b8a0c6e94-mono.wav',
              },
            },
            logUrl:
              'https://calllogs.vapi.ai/3f1c2b9e-7a4d-4e8b-9c61-2d5f0a7b8e14/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c/1773327909614-3c9e1f7a-2d4b-4a8e-b6c5-0f9d2e7a1b83.jsonl.gz',
            nodes: [],
            variableValues: {},
            performanceMetrics: {
              turnLatencyAverage: 1184,
              modelLatencyAverage: 612,
              voiceLatencyAverage: 301,
              transcriberLatencyAverage: 271,
            },
          },
        },
      },
    },
  ],
  'legacy call.started': [
    'seed-call-started.json',
    {
      type: 'call.started',
      call: {
        id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
        status: 'in-progress',
        startedAt: '2026-03-12T15:04:09.871Z',
        assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
        phoneNumberId: '6b2d9f41-8c3e-4a7b-b5d0-e1f2a3c4d5e6',
        customer: { number: '+14155550123' },
      },
    },
  ],
  'legacy transcript.updated': [
    'seed-transcript-updated.json',
    {
      type: 'transcript.updated',
      call: {
        id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
        transcript: [
          {
            timestamp: '2026-03-12T15:04:10.291Z',
            role: 'assistant',
            message:
              'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
          },
          {
            timestamp: '2026-03-12T15:04:15.851Z',
            role: 'user',
            message: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
          },
          {
            timestamp: '2026-03-12T15:04:20.521Z',
            role: 'assistant',
            message:
              'No problem. Can I get your full name and date of birth to pull up your appointment?',
          },
        ],
      },
    },
  ],
  'legacy recording.ready': [
    'seed-recording-ready.json',
    {
      type: 'recording.ready',
      call: {
        id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
        recordingUrl:
          'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav',
      },
    },
  ],
  'legacy call.ended': [
    'seed-call-ended.json',
    {
      type: 'call.ended',
      call: {
        id: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
        status: 'ended',
        startedAt: '2026-03-12T15:04:09.871Z',
        endedAt: '2026-03-12T15:05:07.214Z',
        duration: 57,
        cost: 0.0971,
        assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
        transcript: [
          {
            timestamp: '2026-03-12T15:04:10.291Z',
            role: 'assistant',
            message:
              'Thanks for calling Bright Smile Dental, this is Riley. How can I help you today?',
          },
          {
            timestamp: '2026-03-12T15:04:15.851Z',
            role: 'user',
            message: 'Hi, I need to move my cleaning on Friday. Something came up at work.',
          },
          {
            timestamp: '2026-03-12T15:04:20.521Z',
            role: 'assistant',
            message:
              'No problem. Can I get your full name and date of birth to pull up your appointment?',
          },
          {
            timestamp: '2026-03-12T15:04:26.081Z',
            role: 'user',
            message: 'Dana Whitfield, April ninth, nineteen eighty-eight.',
          },
          {
            timestamp: '2026-03-12T15:04:30.471Z',
            role: 'assistant',
            message:
              'Thanks, Dana. I see your cleaning on Friday the thirteenth at nine A M. What day works better for you?',
          },
          {
            timestamp: '2026-03-12T15:04:37.211Z',
            role: 'user',
            message: 'Is there anything Saturday morning?',
          },
          {
            timestamp: '2026-03-12T15:04:43.741Z',
            role: 'assistant',
            message:
              'Saturday the fourteenth I have ten thirty or eleven fifteen. Which would you like?',
          },
          {
            timestamp: '2026-03-12T15:04:50.001Z',
            role: 'user',
            message: 'Ten thirty is perfect.',
          },
          {
            timestamp: '2026-03-12T15:04:52.891Z',
            role: 'assistant',
            message:
              "Great, you're all set for Saturday, March fourteenth at ten thirty. You'll get a text confirmation shortly. Anything else?",
          },
          {
            timestamp: '2026-03-12T15:05:00.511Z',
            role: 'user',
            message: "No, that's it. Thanks so much.",
          },
          {
            timestamp: '2026-03-12T15:05:02.981Z',
            role: 'assistant',
            message: 'You are welcome, Dana. Have a great day!',
          },
        ],
        recordingUrl:
          'https://storage.vapi.ai/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav',
      },
    },
  ],
};

/** Answers to the messages VAPI waits on: message type → [fixture file, body]. */
export const WEBHOOK_RESPONSE_EXAMPLES: Record<string, [string, unknown]> = {
  'assistant-request': [
    'assistant-request.response.json',
    {
      assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
      assistantOverrides: {
        variableValues: { customerName: 'Dana', nextAppointment: '2026-03-13T09:00:00-08:00' },
      },
    },
  ],
  'tool-calls': [
    'tool-calls.response.json',
    {
      results: [
        {
          name: 'check_availability',
          toolCallId: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
          result: '{"slots":["10:30","11:15"],"date":"2026-03-14"}',
        },
      ],
    },
  ],
  'transfer-destination-request': [
    'transfer-destination-request.response.json',
    {
      destination: {
        type: 'number',
        number: '+14155550142',
        message: 'Connecting you to our front desk now.',
      },
    },
  ],
};
